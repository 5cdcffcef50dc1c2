export { ApiModule, API_SCHEMA } from './api.module';
