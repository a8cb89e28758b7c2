/** The analysts' settings the views read (kept in `kpi_config.settings`, one row). */
export type KpiSettings = {
  /** IANA time zone the day / ISO week / month buckets are cut in. */
  timeZone: string;
  /** Longest allowed gap between consecutive tracking points, in hours. */
  trackingIntervalHours: number;
};

/**
 * The documented defaults: company time zone Asia/Shanghai, tracking interval 24 hours.
 *
 * @example
 * const settings = { ...defaultKpiSettings, trackingIntervalHours: 12 };
 */
export const defaultKpiSettings: KpiSettings = { timeZone: 'Asia/Shanghai', trackingIntervalHours: 24 };
