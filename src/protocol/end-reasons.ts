/**
 * Every `endReason` a chat can have: how it ended, as the agent API, the chat search, the
 * `switchboard_chats_ended_total` metric and the console name it. One list, so the search's
 * documentation, the metric's help and the console's words cannot drift apart.
 */
export const END_REASONS = [
  'agent', 'client', 'clientTimeout', 'chasitorIdleTimeout',
  'Unavailable', 'QueueFull', 'EveryAgentPassed', 'OutsideBusinessHours', 'Blocked', 'ButtonRemoved',
] as const;

export type EndReason = typeof END_REASONS[number];
