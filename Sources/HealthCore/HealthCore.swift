// HealthCore: the phi-accrual failure detector and per-node health scores, as pure values
// (DESIGN.md §2, §3). Depends on FabricCore only.
