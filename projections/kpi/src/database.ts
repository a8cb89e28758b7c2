import type { ComplaintFactTable } from './complaint-fact.table.ts';
import type { CustomerAttributeTable } from './customer-attribute.table.ts';
import type { OrderDamageReportTable } from './order-damage-report.table.ts';
import type { OrderFactTable } from './order-fact.table.ts';
import type { OrderLineTable } from './order-line.table.ts';
import type { OrderTrackingPointTable } from './order-tracking-point.table.ts';
import type { ReturnFactTable } from './return-fact.table.ts';
import type { EvaluationItemTable } from './evaluation-item.table.ts';
import type { ImprovementTable } from './improvement.table.ts';
import type { StandardTargetTable } from './standard-target.table.ts';
import type { SurveyAnswerTable } from './survey-answer.table.ts';

/** The KPI projection's tables as kysely sees them (unqualified: `db` is scoped to `kpi_vN`). */
export interface KpiDatabase {
  order_facts: OrderFactTable;
  order_lines: OrderLineTable;
  order_tracking_points: OrderTrackingPointTable;
  order_damage_reports: OrderDamageReportTable;
  complaint_facts: ComplaintFactTable;
  return_facts: ReturnFactTable;
  customer_attributes: CustomerAttributeTable;
  survey_answers: SurveyAnswerTable;
  evaluation_items: EvaluationItemTable;
  standard_targets: StandardTargetTable;
  improvements: ImprovementTable;
}
