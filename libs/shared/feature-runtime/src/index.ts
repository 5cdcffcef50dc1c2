export { bootstrapService, createServiceApp, InvalidConfigError, VERSION, type ServiceApp, type ServiceDefinition } from './bootstrap';
export { espalierTopics } from './event-log.provider';
export { RuntimeModule, type RuntimeModuleOptions } from './runtime.module';
export { ProjectionHost } from './projection-host.service';
export { ConsumerGroupRegistry, type RunningGroup } from './metrics/consumer-groups.registry';
export { ConsumerLagCollector, LAG_CACHE_MS, LAG_TIMEOUT_MS } from './metrics/consumer-lag.collector';
export { formatMetrics, PROMETHEUS_CONTENT_TYPE, type MetricFamily, type Sample } from './metrics/prometheus-text';
