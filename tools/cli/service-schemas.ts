import type { ServiceSchema } from '@espalier/shared/data-access-postgres';
import { apiSchema } from '../../apps/api/src/api.schema';
import { checkinSchema } from '../../apps/checkin/src/checkin.schema';
import { commandsSchema } from '../../apps/commands/src/commands.schema';
import { pushSchema } from '../../apps/push/src/push.schema';
import { webhookSchema } from '../../apps/webhook/src/webhook.schema';

/** Every service's schema, for operator tools that work across services (migrate, replay). */
export const serviceSchemas: Record<string, ServiceSchema> = {
  checkin: checkinSchema,
  commands: commandsSchema,
  push: pushSchema,
  api: apiSchema,
  webhook: webhookSchema,
};
