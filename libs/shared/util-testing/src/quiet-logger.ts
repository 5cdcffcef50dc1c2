/** A logger for tests that keeps warnings and errors for assertions instead of printing them. */
export function recordingLogger() {
  const entries: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void entries.push({ level, obj, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
