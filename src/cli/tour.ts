/** `kubetrail tour`: what `npm start` prints until the collector exists. */
import type { Command } from 'commander';
import { write, type CliContext } from './context.js';

const TOUR = `kubetrail — Kubernetes API-server auditing, end to end

Write audit policies that are right:
  kubetrail policy init --preset recommended > policy.yaml
  kubetrail policy validate -f policy.yaml            # exactly as kube-apiserver loads it
  kubetrail policy lint -f policy.yaml                # leaks, blind spots, noise (text, json, sarif)
  kubetrail policy eval -f policy.yaml --request '{"user":"alice","verb":"get","resourceRequest":true,"resource":"secrets","namespace":"prod","name":"db"}'
  kubetrail policy explain -f policy.yaml --request '...'   # which rule, and why not the others
  kubetrail policy eval -f policy.yaml --events audit.log    # re-evaluate recorded traffic

Make realistic traffic for demos, tests and benchmarks:
  kubetrail generate --events 100000 --seed 1 > audit.log

Keep a tamper-evident record:
  kubetrail keygen --name example.com/kubetrail/prod --private-key ~/.kubetrail/prod.key --store ./store
  kubetrail ingest --store ./store --key ~/.kubetrail/prod.key audit.log
  kubetrail verify --store ./store                    # exit 1 names the first altered or missing event
  kubetrail query --store ./store --user alice --verb delete -o jsonl

Run \`kubetrail <command> --help\` for the flags of each command.
`;

export function registerTourCommand(program: Command, ctx: CliContext): void {
  program
    .command('tour')
    .description('a short tour of the commands')
    .action(async () => {
      await write(ctx.out, TOUR);
    });
}
