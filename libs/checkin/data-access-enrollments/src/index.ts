export { enrollmentsProjection, ENROLLMENTS_PROJECTION } from './enrollments.projection';
export { enrollmentsMigrations, enrollmentsTables } from './enrollments.migrations';
export { CheckinStateReader, type CheckinStateRow } from './checkin-state.reader';
