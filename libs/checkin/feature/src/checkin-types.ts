import type { CheckinMessage } from '@espalier/mdm/protocol';

export type GetTokenMessage = Extract<CheckinMessage, { messageType: 'GetToken' }>;
