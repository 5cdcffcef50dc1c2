export { SERVICES, type ServiceName } from './services';
export { HEALTH_PATHS, METRICS_PATH } from './health';
export {
  CHECKIN_CONTENT_TYPE_PREFIX,
  ROUTES,
  type ContentTypeCondition,
  type PathMatch,
  type Route,
} from './routes';
export { routeRequest } from './route-request';
