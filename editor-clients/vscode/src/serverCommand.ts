/** Finding the `tierwise` executable: the setting, then PATH, then the workspace's virtual environment. */
import * as path from 'path';

export interface Probe {
  /** True when `file` exists and is executable. */
  isExecutable(file: string): boolean;
  env: Record<string, string | undefined>;
  platform: string;
}

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it was found, for messages. */
  source: 'setting' | 'PATH' | 'virtual environment';
}

export interface Lookup {
  setting: string; // tierwise.server.command ("" = look it up)
  args: string[]; // tierwise.server.args
  workspaceFolders: string[];
  trusted: boolean;
}

function exeNames(platform: string): string[] {
  return platform === 'win32' ? ['tierwise.exe', 'tierwise.cmd', 'tierwise'] : ['tierwise'];
}

/** The first `names` entry found in the directories of PATH. */
export function onPath(names: string[], probe: Probe): string | undefined {
  const separator = probe.platform === 'win32' ? ';' : ':';
  const dirs = (probe.env.PATH ?? probe.env.Path ?? '').split(separator).filter((dir) => dir !== '');
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (probe.isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Candidate executables inside the workspace folders' virtual environments. */
export function venvCandidates(folders: string[], platform: string): string[] {
  const bin = platform === 'win32' ? 'Scripts' : 'bin';
  const out: string[] = [];
  for (const folder of folders) {
    for (const venv of ['.venv', 'venv', '.env']) {
      for (const name of exeNames(platform)) {
        out.push(path.join(folder, venv, bin, name));
      }
    }
  }
  return out;
}

/**
 * The command that starts the server, or undefined when none is found. A workspace's virtual environment is
 * used only in a trusted workspace: starting a program from an untrusted folder would run that folder's code.
 */
export function resolveServerCommand(lookup: Lookup, probe: Probe): ServerCommand | undefined {
  const args = lookup.args.length > 0 ? lookup.args : ['serve'];
  const setting = lookup.setting.trim();
  if (setting !== '') {
    if (path.isAbsolute(setting)) {
      return probe.isExecutable(setting) ? { command: setting, args, source: 'setting' } : undefined;
    }
    const found = onPath([setting], probe);
    return found ? { command: found, args, source: 'setting' } : undefined;
  }
  const found = onPath(exeNames(probe.platform), probe);
  if (found) {
    return { command: found, args, source: 'PATH' };
  }
  if (lookup.trusted) {
    for (const candidate of venvCandidates(lookup.workspaceFolders, probe.platform)) {
      if (probe.isExecutable(candidate)) {
        return { command: candidate, args, source: 'virtual environment' };
      }
    }
  }
  return undefined;
}

/** The message shown when no server is found, naming what was searched and how to install it. */
export function missingServerMessage(lookup: Lookup, install: string): string {
  if (lookup.setting.trim() !== '') {
    return `tierwise: the server command "${lookup.setting}" (setting tierwise.server.command) was not found or is not executable. Install tierwise with \`${install}\` or fix the setting.`;
  }
  const where = lookup.trusted ? "PATH or the workspace's virtual environment" : 'PATH (Restricted Mode: the workspace\'s virtual environment is not used)';
  return `tierwise: the \`tierwise\` command was not found on ${where}. Install it with \`${install}\` (or \`pipx install tierwise\`), or set tierwise.server.command.`;
}
