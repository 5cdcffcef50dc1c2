/** The four deployable services (apps/<name>), in the order the architecture lists them. */
export const SERVICES = ['checkin', 'commands', 'push', 'api'] as const;

export type ServiceName = (typeof SERVICES)[number];
