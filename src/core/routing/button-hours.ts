/**
 * Whether a button is within its business hours now (ADR 0062): the schedule its
 * config names, of its org, read at the Clock port's time, so the emulator's
 * clock control opens and closes buttons too. A button naming no schedule (or
 * one the catalog does not know) is always open.
 */
import type { BusinessHoursConfig, ButtonConfig } from '../../config/config-schema.js';
import type { Clock } from '../../ports/clock.js';
import { isOpen } from '../business-hours.js';
import type { Catalog } from '../catalog.js';

export class ButtonHours {
  constructor(
    private readonly catalog: Catalog,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** The schedule the button keeps, undefined when it names none. */
  scheduleOf(button: ButtonConfig): BusinessHoursConfig | undefined {
    if (button.businessHours === undefined) return undefined;
    const orgId = this.catalog.button(button.id)?.orgId;
    const org = orgId === undefined ? undefined : this.catalog.org(orgId);
    return org?.businessHours.find((s) => s.name === button.businessHours);
  }

  /** Whether the button is open now: no schedule, or its schedule is open at the clock's time. */
  openNow(button: ButtonConfig): boolean {
    const schedule = this.scheduleOf(button);
    return schedule === undefined || isOpen(schedule, this.clock.now());
  }
}
