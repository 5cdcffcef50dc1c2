import { Controller, Get, Header, Inject } from '@nestjs/common';
import { METRICS_PATH } from '@espalier/contracts/routing';
import { ProjectionHost } from '../projection-host.service';
import { ConsumerLagCollector } from './consumer-lag.collector';
import { HttpDurations } from './http-metrics.middleware';
import { processFamilies } from './process-metrics';
import { projectionFamilies } from './projection-metrics';
import { formatMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus-text';

/**
 * Prometheus metrics of this service. No authentication, like /healthz: it
 * is served on the service's own listener, which the public routes (nginx,
 * the embedded front port) never reach. Cheap: the only I/O is the lag
 * reading, shared by the scrapes of a two-second window.
 */
@Controller()
export class MetricsController {
  constructor(
    @Inject(ConsumerLagCollector) private readonly lag: ConsumerLagCollector,
    @Inject(ProjectionHost) private readonly host: ProjectionHost,
    @Inject(HttpDurations) private readonly http: HttpDurations,
  ) {}

  @Get(METRICS_PATH)
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  async metrics(): Promise<string> {
    return formatMetrics([...(await this.lag.families()), ...projectionFamilies(this.host.projectionStats), this.http.family(), ...processFamilies()]);
  }
}
