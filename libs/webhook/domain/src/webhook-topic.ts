import type { CheckinMessageType } from '@espalier/mdm/protocol';

/** The topic of every command report, Idle included (NanoMDM's "Connect"). */
export const CONNECT_TOPIC = 'mdm.Connect';

export type CheckinTopic = `mdm.${CheckinMessageType}`;
export type WebhookTopic = CheckinTopic | typeof CONNECT_TOPIC;

/** MicroMDM's check-in topics: `mdm.` and the MessageType (mdm.Authenticate … mdm.GetToken). */
export function checkinTopic(messageType: CheckinMessageType): CheckinTopic {
  return `mdm.${messageType}`;
}
