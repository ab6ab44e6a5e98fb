import { readFileSync } from 'node:fs';

/** `${Name}`: the DefinitionSubstitutions placeholder syntax of AWS::StepFunctions::StateMachine. */
const PLACEHOLDER = /\$\{([^}]*)\}/g;

export function placeholdersIn(definition: string): Set<string> {
  return new Set([...definition.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''));
}

/**
 * Checks that the ASL's placeholders and the substitutions match exactly: a placeholder without a
 * substitution would reach Step Functions as literal text; a substitution without a placeholder
 * means the catalogue and the ASL file disagree about the workflow.
 */
export function checkSubstitutions(definition: string, substitutionNames: Iterable<string>, file = 'the ASL file'): void {
  const inAsl = placeholdersIn(definition);
  const given = new Set(substitutionNames);
  const problems: string[] = [];
  for (const name of inAsl) {
    if (!/^[A-Za-z0-9_]+$/.test(name)) problems.push(`\${${name}} is not a valid placeholder name (letters, digits, _)`);
    else if (!given.has(name)) problems.push(`\${${name}} has no entry in stateMachineFunctions`);
  }
  for (const name of given) {
    if (!inAsl.has(name)) problems.push(`stateMachineFunctions.${name} does not appear in ${file} as \${${name}}`);
  }
  if (problems.length > 0) throw new Error(`State machine placeholders and substitutions disagree:\n  - ${problems.join('\n  - ')}`);
}

/** Reads the ASL file, checking it is a state machine (JSON with StartAt and States). */
export function readDefinition(file: string): string {
  const text = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const machine = parsed as { StartAt?: unknown; States?: unknown } | null;
  if (typeof machine?.StartAt !== 'string' || typeof machine.States !== 'object' || machine.States === null) {
    throw new Error(`${file} is not an Amazon States Language definition (it needs StartAt and States)`);
  }
  return text;
}
