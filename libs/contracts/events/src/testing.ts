// Test-only entry point, `@espalier/contracts/events/testing`: realistic sample events for specs
// and tools (the golden fixture generator). Services never import it.
export { buildEvent, DEVICE_ID, PUSH_TOPIC, RAW_BYTES, sampleData, sampleMeta, secretBox, USER_CHANNEL_ID } from './event.fixtures';
