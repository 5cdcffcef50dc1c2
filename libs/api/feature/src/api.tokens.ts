export const API_SETTINGS = Symbol('API_SETTINGS');

export interface ApiSettings {
  /** The -api key (HTTP Basic password for user "nanomdm"). */
  readonly key: string;
  /** Largest request body (-body-limit); larger ones get 413 and append nothing. */
  readonly bodyLimit: number;
  /** The build version /version reports. */
  readonly version: string;
}
