export { createUuidV7Generator, isUuidV7, uuidv7, uuidv7Timestamp } from './uuidv7';
export type { Clock, RandomBytes, UuidV7GeneratorOptions } from './uuidv7';
