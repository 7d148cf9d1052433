/** Command ids of the extension (palette) and of the server (workspace/executeCommand). */

export const SERVER = {
  plan: 'tierwise.plan',
  refine: 'tierwise.refine',
  implement: 'tierwise.implement',
  testFix: 'tierwise.testFix',
  review: 'tierwise.review',
  run: 'tierwise.run',
  cancel: 'tierwise.cancel',
  undo: 'tierwise.undo',
  status: 'tierwise.status',
  cost: 'tierwise.cost',
  showContext: 'tierwise.showContext',
  quickFix: 'tierwise.quickFix',
} as const;

export type ServerCommand = (typeof SERVER)[keyof typeof SERVER];

/** Palette commands. Their ids differ from the server's: the language client registers those itself. */
export const UI = {
  planTask: 'tierwise.ui.planTask',
  refinePlan: 'tierwise.ui.refinePlan',
  implementPlan: 'tierwise.ui.implementPlan',
  testAndFix: 'tierwise.ui.testAndFix',
  reviewChanges: 'tierwise.ui.reviewChanges',
  runLoop: 'tierwise.ui.runLoop',
  cancel: 'tierwise.ui.cancel',
  undoTask: 'tierwise.ui.undoTask',
  showCost: 'tierwise.ui.showCost',
  showStatus: 'tierwise.ui.showStatus',
  showContext: 'tierwise.ui.showContext',
  restartServer: 'tierwise.ui.restartServer',
} as const;

export type UiCommand = (typeof UI)[keyof typeof UI];

/** Human titles, as in package.json (for messages). */
export const TITLES: Record<UiCommand, string> = {
  [UI.planTask]: 'Plan Task…',
  [UI.refinePlan]: 'Refine Plan',
  [UI.implementPlan]: 'Implement Plan',
  [UI.testAndFix]: 'Run Tests and Fix',
  [UI.reviewChanges]: 'Review Changes',
  [UI.runLoop]: 'Run Whole Loop…',
  [UI.cancel]: 'Cancel',
  [UI.undoTask]: 'Undo Task',
  [UI.showCost]: 'Show Cost',
  [UI.showStatus]: 'Show Status',
  [UI.showContext]: 'Show Context…',
  [UI.restartServer]: 'Restart Server',
};

/** The palette command that runs each phase (offered when a task stops `ready` before it). */
export const PHASE_COMMANDS: Readonly<Record<string, UiCommand>> = {
  refine: UI.refinePlan,
  implement: UI.implementPlan,
  fix: UI.testAndFix,
  review: UI.reviewChanges,
};

/** Commands that run the project's configured test or lint commands: disabled in Restricted Mode. */
export const NEEDS_TRUST: ReadonlySet<UiCommand> = new Set<UiCommand>([UI.testAndFix, UI.runLoop]);

export const STATUS_NOTIFICATION = 'tierwise/status';
/** Client → server `{trusted: boolean}`: the user granted workspace trust. */
export const TRUST_NOTIFICATION = 'tierwise/trust';
export const INSTALL_COMMAND = 'pip install tierwise';
