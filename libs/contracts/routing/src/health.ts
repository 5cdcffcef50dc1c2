/**
 * Health endpoints every service serves on its own listener. They are for the orchestrator
 * (compose healthchecks, Kubernetes probes), not for devices: the public routes never reach them.
 */
export const HEALTH_PATHS = { live: '/healthz', ready: '/readyz' } as const;

/** Prometheus metrics, served like the health endpoints on each service's own listener and never on the public routes. */
export const METRICS_PATH = '/metrics';
