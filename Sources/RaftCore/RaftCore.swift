// RaftCore: the Raft state machine (step / ready / advance), its log, quorum and progress
// tracking, as pure values (DESIGN.md §2, §3). Depends on FabricCore only.
