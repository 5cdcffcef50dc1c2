export const COMMANDS_LIMITS = Symbol('espalier.commands.limits');
