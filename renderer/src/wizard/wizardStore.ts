import { create } from 'zustand';
import type { FamilyView, IssuedBatch } from '../../../shared/api';
import { NO_CHOICES, type PlanChoices } from '../../../shared/domain/plan';
import { call } from '../api/client';
import { useSession } from '../app/sessionStore';

export type WizardStep = 'review' | 'plan' | 'print';

interface WizardState {
  familyId: string | null;
  family: FamilyView | null;
  step: WizardStep;
  choices: PlanChoices;
  /** One id per pass through the wizard: a repeated confirmation re-sends it and issues nothing new. */
  batchId: string;
  packet: IssuedBatch | null;
  reprint: boolean;
  busy: boolean;
  error: string | null;
  /** The navigation entry this pass was started for (see WizardScreen). */
  visit: object | null;
  start(familyId: string, visit?: object, replacePatientId?: string): Promise<void>;
  /** "Replace this child's PIN": marks the child and goes to the plan, where the reason is asked. */
  replacePin(patientId: string): void;
  openPacket(batchId: string): Promise<void>;
  correctName(patientId: string, firstName: string, lastName: string): Promise<boolean>;
  setStep(step: WizardStep): void;
  setChoices(update: (choices: PlanChoices) => PlanChoices): void;
  issue(expectedPatientIds: string[]): Promise<void>;
  /** Loads the family again (after a stale-review refusal) and returns to the review. */
  reload(): Promise<void>;
  /** Records that one account owner's packet went to the printer (after the printer took it). */
  recordPrinted(recipientContactId: string): Promise<void>;
}

export const useWizard = create<WizardState>((set, get) => ({
  familyId: null,
  visit: null,
  family: null,
  step: 'review',
  choices: NO_CHOICES,
  batchId: crypto.randomUUID(),
  packet: null,
  reprint: false,
  busy: false,
  error: null,

  async start(familyId, visit, replacePatientId) {
    const choices = replacePatientId ? { ...NO_CHOICES, replacePins: { [replacePatientId]: '' } } : NO_CHOICES;
    set({
      familyId,
      visit: visit ?? null,
      family: null,
      step: replacePatientId ? 'plan' : 'review',
      choices,
      batchId: crypto.randomUUID(),
      packet: null,
      reprint: false,
      error: null,
      busy: true,
    });
    try {
      const family = await call('family.load', { familyId });
      if (get().familyId === familyId) set({ family, busy: false });
    } catch (error) {
      set({ error: (error as Error).message, busy: false });
    }
  },

  async openPacket(batchId) {
    set({ familyId: null, family: null, step: 'print', packet: null, reprint: true, error: null, busy: true });
    try {
      set({ packet: await call('pins.packet', { batchId }), busy: false });
    } catch (error) {
      set({ error: (error as Error).message, busy: false });
    }
  },

  async correctName(patientId, firstName, lastName) {
    const { family } = get();
    const child = family?.children.find((c) => c.patientId === patientId);
    if (!family || !child) return false;
    set({ busy: true, error: null });
    try {
      const updated = await call('patients.correctName', {
        familyId: family.familyId,
        patientId,
        firstName,
        lastName,
        expectedVersion: child.version,
      });
      set({ family: updated, busy: false });
      return true;
    } catch (error) {
      set({ error: (error as Error).message, busy: false });
      return false;
    }
  },

  replacePin(patientId) {
    set({ choices: { ...get().choices, replacePins: { ...get().choices.replacePins, [patientId]: '' } }, step: 'plan', error: null });
  },

  setStep(step) {
    set({ step, error: null });
  },

  setChoices(update) {
    set({ choices: update(get().choices), error: null });
  },

  async issue(expectedPatientIds) {
    const { familyId, family, choices, batchId, busy } = get();
    if (!familyId || !family || busy) return;
    set({ busy: true, error: null });
    try {
      const packet = await call('pins.issue', { batchId, familyId, choices, expectedPatientIds, reviewToken: family.reviewToken });
      set({ packet, step: 'print', busy: false });
      void useSession.getState().refreshStatus(); // the status bar shows the new waiting items now
    } catch (error) {
      set({ error: (error as Error).message, busy: false });
      // "Look again": the family changed under this review. Load it fresh and go back to the review
      // so the clerk sees what changed; the batch id stays, so nothing already issued repeats.
      if ((error as { code?: string }).code === 'conflict' && /look again/i.test((error as Error).message)) await get().reload();
    }
  },

  async reload() {
    const { familyId } = get();
    if (!familyId) return;
    try {
      const family = await call('family.load', { familyId });
      if (get().familyId === familyId) set({ family, step: 'review' });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },

  async recordPrinted(recipientContactId) {
    const { packet, reprint } = get();
    if (!packet) return;
    try {
      await call('pins.recordPrinted', { batchId: packet.batchId, reprint, recipientContactId });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },
}));
