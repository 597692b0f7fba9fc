import { explainPolicy } from '@steward/policy';
import { Command } from 'commander';
import { BundleManager } from '../control-plane/bundle-manager';
import { CliExit, enrolled, print, storeOf } from './command-context';

export function policyCommand(): Command {
  return new Command('policy')
    .description('print your effective policy in plain words')
    .action((_options, command: Command) => {
      const store = storeOf(command);
      const enrolment = enrolled(store);
      const state = new BundleManager(store, enrolment).current();
      if (!state.usable)
        throw new CliExit(`no valid policy bundle: ${state.reason} (${state.detail})`, 3);
      const { bundle } = state;
      const explained = explainPolicy(state.engine, enrolment.os);
      print(`Policy bundle version ${bundle.version}, expires ${bundle.expiresAt}.`);
      print('Capabilities:');
      for (const { capability, allowed, why } of explained.capabilities) {
        print(`  ${allowed ? 'yes' : 'no '}  ${capability} — ${why}`);
      }
      const { plans } = explained;
      print(
        `Plans: ${plans.mode === 'auto' ? 'may be auto-approved' : 'need your approval'} — ${plans.why}`,
      );
      print('Connectors:');
      if (explained.connectors.length === 0) print('  none');
      for (const { connector, address, version, tools } of explained.connectors) {
        const where =
          address === null ? 'no address: calls fail' : `${address}, version ${version}`;
        print(`  ${connector} (${where}):`);
        for (const { tool, decision, kind, why } of tools) {
          print(`    ${decision.padEnd(5)} ${tool} (${kind}) — ${why}`);
        }
      }
      print(`Folders (${enrolment.os}):`);
      for (const { location, access, why } of explained.folders) {
        print(`  ${location}: ${access} — ${why}`);
      }
      const hosts = explained.networkHosts;
      print(`Shell network: ${hosts.length ? hosts.join(', ') : 'none'}`);
      const { redaction } = bundle.telemetry;
      print(
        `Telemetry: prompts ${redaction.prompts}, commands ${redaction.commands}, paths ${redaction.paths}.`,
      );
    });
}
