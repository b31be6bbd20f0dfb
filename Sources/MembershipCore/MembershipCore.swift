// MembershipCore: SWIM with Lifeguard, the membership view, dissemination, anti-entropy digests
// and the split-brain resolver, as pure values (DESIGN.md §2, §3). Depends on FabricCore only.
