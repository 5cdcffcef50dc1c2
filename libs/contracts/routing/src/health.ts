/**
 * Health endpoints every service serves on its own listener. They are for the orchestrator
 * (compose healthchecks, Kubernetes probes), not for devices: the public routes never reach them.
 */
export const HEALTH_PATHS = { live: '/healthz', ready: '/readyz' } as const;
