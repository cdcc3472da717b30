/**
 * Where an agent could transfer a chat right now: the other agents of its org,
 * and the skills and buttons of the org with how many other agents could take a
 * chat there, and whether each button is within its business hours. The counts use the same rules as ChatEngine.transfer (online, with
 * room, not the caller, same org), so what is shown as available is what a
 * transfer would accept at that moment.
 */
import type { TransferTargets } from '../../protocol/agent-api-types.js';
import type { AgentDirectory, AgentRuntime } from '../agent-directory.js';
import type { Catalog } from '../catalog.js';
import type { ButtonHours } from './button-hours.js';

export function transferTargets(catalog: Catalog, directory: AgentDirectory, hours: ButtonHours, orgId: string, callerId: string): TransferTargets {
  const others = directory.all().filter((a) => a.orgId === orgId && a.id !== callerId);
  const online = others.filter((a) => a.presence === 'online');
  const count = (serves: (a: AgentRuntime) => boolean) => ({
    availableAgents: online.filter((a) => serves(a) && directory.hasRoom(a)).length,
    onlineAgents: online.filter(serves).length,
  });
  const buttons = catalog.allButtons().filter((b) => b.orgId === orgId && b.config.type !== 'Invite');
  const skillNames = new Set<string>();
  for (const b of buttons) for (const s of b.config.skills) skillNames.add(s);
  for (const a of others) for (const s of a.config.skills) skillNames.add(s);
  return {
    agents: others
      .map((a) => ({ id: a.id, name: a.name, presence: a.presence, load: directory.load(a), capacity: a.capacity, available: directory.hasRoom(a) }))
      .sort((x, y) => Number(y.available) - Number(x.available) || x.name.localeCompare(y.name)),
    skills: [...skillNames].sort().map((skill) => ({ skill, ...count((a) => a.config.skills.includes(skill)) })),
    buttons: buttons.map((b) => ({
      id: b.config.id, label: b.config.label ?? b.config.id, ...count((a) => catalog.agentServesButton(a.config, b.config)),
      // A closed button refuses the transfer (BUTTON_CLOSED), whatever agents it has (ADR 0062).
      businessHours: hours.scheduleOf(b.config)?.name ?? null,
      openNow: hours.openNow(b.config),
    })),
  };
}
