/** The CloudWatch namespace of labmesh's metrics: what batch commands publish, the stack's alarms watch and the writer policy allows. */
export const METRIC_NAMESPACE = 'labmesh'
