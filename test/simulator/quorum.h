/*
 * Quorum and replication (quorum.c): each node's own copy of the cluster configuration,
 * the cluster forming when the running nodes hold a majority of the votes or a node is
 * started with /fq, the newest copy winning, joiners taking the cluster's copy. The rules
 * and their sources are in README.md, "Quorum and replication".
 */
#ifndef CLUSSIM_QUORUM_H
#define CLUSSIM_QUORUM_H

#include "sim.h"

/* A scenario was opened (lock held, before its state is first saved). A fresh world
 * (continued == 0) starts with every other node holding the live CLUSDB as it is now,
 * and a cluster formed when a running node is up or paused in the scenario. */
void sim_quorum_opened(int continued);
/* A node's service reached RUNNING or STOPPED (lock held): it joins, forms or leaves the
 * cluster, and copies move as the rules say. */
void sim_quorum_service_reached(sim_node *n);
/* StartServiceW's arguments ask for a forced quorum: /fq or /forcequorum (any case)
 * after lpServiceArgVectors[0], which is the service's name. */
int sim_quorum_args_force(DWORD_T argc, const WCHAR_T **argv);
/* FNV-1a of this machine's live CLUSDB bytes (0 when it cannot be read). Lock held. */
uint64_t sim_quorum_live_hash(void);
/* An authoritative restore takes effect: the live CLUSDB gets a PaxosTag newer than any
 * node's copy. Lock held. */
void sim_quorum_commit_authoritative(void);

#endif
