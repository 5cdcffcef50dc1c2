export { bootstrapService, VERSION, type ServiceDefinition } from './bootstrap';
export { RuntimeModule, type RuntimeModuleOptions } from './runtime.module';
export { ProjectionHost } from './projection-host.service';
