export { COMMANDS_SCHEMA, CommandsModule } from './commands.module';
export { ENQUEUE_GROUP, EnqueueHandler, type EnqueueHandlerDeps, type EnqueueHandlerOptions } from './enqueue.handler';
export { QueueFence } from './queue-fence';
export { ReportService, type ReadFence, type ReportRequest, type ReportServiceDeps, type ReportServiceOptions } from './report.service';
