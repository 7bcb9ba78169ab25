/** `kubetrail tour`: the commands, grouped by what people come to do. */
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

Turn auditing on where kube-apiserver runs:
  kubetrail enable --policy policy.yaml --dry-run     # the manifest patch as a diff; without --dry-run: atomic, backed up
  kubetrail status --proc                             # on or off, what is logged where, CIS 1.2.16-1.2.19
  kubetrail doctor                                    # why not: mounts, hostPaths, policy, log dir, container, kubelet
  kubetrail render kind --policy policy.yaml          # or kubeadm, k0s, k3s; --merge FILE to add to an existing config
  kubetrail disable | rollback

Keep a tamper-evident record:
  kubetrail keygen --name example.com/kubetrail/prod --private-key ~/.kubetrail/prod.key --store ./store
  kubetrail ingest --store ./store --key ~/.kubetrail/prod.key audit.log
  kubetrail tail --store ./store --key ~/.kubetrail/prod.key /var/log/kubernetes/audit/audit.log
  kubetrail serve                                     # the webhook receiver, API and web UI (npm start)
  kubetrail verify --store ./store                    # exit 1 names the first altered or missing event
  kubetrail prove --store ./store --audit-id ID -o proof.json && kubetrail verify-proof proof.json --key prod.pub
  kubetrail prune --store ./store --key ~/.kubetrail/prod.key --max-age 90d

Answer questions:
  kubetrail who created pod/web-1 -n prod --store ./store
  kubetrail history deploy/api -n prod --store ./store
  kubetrail query --store ./store 'user=alice verb=delete since=2h'
  kubetrail stats --store ./store --health
  kubetrail policy simulate -f candidate.yaml --store ./store

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
