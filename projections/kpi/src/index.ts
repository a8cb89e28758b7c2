export { analyticsViews, type AnalyticsView } from './analytics.ts';
export { customerAttributeChanges, type CustomerAttributeChange } from './company-records.ts';
export type { KpiDatabase } from './database.ts';
export { KpiError, type KpiErrorCode } from './errors.ts';
export type { KpiEvent } from './event-data.ts';
export { noneTouched, recomputeAggregates, recomputeAggregatesSplit, refreshAggregates, type SettleHelper, touchedBy, type Touched } from './aggregates.ts';
export { ANALYST_ROLE, ensureAnalystRole, installAnalyticsViews, setKpiSettings } from './install.ts';
export { disableJitForDatabase, kpiMigrations } from './migrations.ts';
export {
  computeKpiOracle,
  dimensionKinds,
  percentileCont,
  type ComplaintDurationRow,
  type ComplaintStatRow,
  type CustomerDimensionRow,
  type DimensionKind,
  type EvaluationRow,
  type ImprovementRow,
  type ScorecardRow,
  type DurationRow,
  type IndicatorRow,
  type OracleReport,
  type ReturnReasonRow,
  type SatisfactionRow,
} from './oracle.ts';
export { isoWeekLabel, localDate, periodKinds, periodLabel, periodStart, type PeriodKind } from './periods.ts';
export { handleKpiEvents, kpiEventTypes, kpiProjection, settleKpiTotals } from './projection.ts';
export { kpiProjections } from './versions.ts';
export { defaultKpiSettings, type KpiSettings } from './settings.ts';
