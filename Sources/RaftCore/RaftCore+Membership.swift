import FabricCore

extension RaftCore {
    /// Proposes a membership change (thesis §4.3). A change of the voters enters the joint
    /// configuration C_old,new when its entry applies; the leader then proposes C_new itself.
    /// One change at a time: refused while another is pending or the joint phase lasts.
    public mutating func proposeConfigurationChange(_ changes: [RaftMemberChange]) throws(RaftError) {
        do throws(RaftError) {
            try checkCanPropose()
            guard pendingConfigurationIndex <= log.applied, !membership.isJoint else {
                throw RaftError.configurationChangePending
            }
            guard !changes.isEmpty else { throw RaftError.invalidConfigurationChange("no changes") }
            let change = RaftConfigurationChange(changes: changes)
            if case .failure(let error) = membership.applying(change) { throw error }
            appendAsLeader([.configurationChange(change)])
            pendingConfigurationIndex = log.lastIndex
        } catch {
            counters.refusedProposals += 1
            throw error
        }
        broadcastAppend()
    }

    /// Applies a committed configuration change entry (from `advance`).
    ///
    /// A node started with an empty membership cannot know the configuration that the change
    /// applies to (the bootstrap membership is not in the log): it ignores changes (counted) and
    /// learns its configuration from a snapshot. A joining node must be started with the group's
    /// bootstrap membership or wait for a snapshot.
    mutating func applyConfigurationChange(_ change: RaftConfigurationChange) {
        guard !membership.voters.isEmpty else {
            counters.refusedProposals += 1
            return
        }
        guard case .success(let next) = membership.applying(change) else {
            counters.refusedProposals += 1  // cannot happen for entries this core validated
            return
        }
        membership = next
        guard role == .leader else { return }
        for member in membership.members where progress[member] == nil {
            var state = RaftProgress(next: log.lastIndex + 1)
            state.recentlyActive = true
            progress[member] = state
        }
        for member in progress.keys where !membership.members.contains(member) { progress[member] = nil }
        if !membership.isVoter(id) {
            becomeFollower(term: term, leader: nil)  // a removed leader steps down once C_new applies
            return
        }
        if let target = transferee, !membership.isVoter(target) { transferee = nil }
        if maybeCommit() { broadcastAppend() } else { for peer in peers { sendAppend(to: peer, sendIfEmpty: false) } }
    }

    /// Leaves a joint configuration once the change that entered it is applied (etcd-raft's
    /// auto leave).
    mutating func leaveJointIfDue() {
        guard role == .leader, membership.isJoint, pendingConfigurationIndex <= log.applied else { return }
        appendAsLeader([.configurationChange(RaftConfigurationChange(changes: []))])
        pendingConfigurationIndex = log.lastIndex
        broadcastAppend()
    }

    /// Hands leadership to `target` (thesis §3.10): the leader brings it up to date, then sends
    /// TimeoutNow so it campaigns at once. Proposals are refused meanwhile; the transfer is
    /// abandoned after an election timeout.
    public mutating func transferLeadership(to target: NodeId) throws(RaftError) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard target != id, membership.isVoter(target), let state = progress[target] else {
            throw .invalidTransferTarget(target)
        }
        guard transferee != target else { return }
        transferee = target
        electionElapsed = 0
        if state.match == log.lastIndex {
            send(.timeoutNow, to: target)
        } else {
            sendAppend(to: target, sendIfEmpty: true)
        }
    }

    /// Compacts the log through the applied index, keeping `snapshotData` (the application's state
    /// as of that index) as the snapshot that replaces it (§7).
    public mutating func compactLog(snapshotData: [UInt8]) throws(RaftError) {
        let index = log.applied
        guard snapshotData.count <= Limits.raftSnapshotBytesMax else { throw .entryTooLarge(bytes: snapshotData.count) }
        guard index >= log.storage.firstIndex, index < log.unstableOffset, log.unstableSnapshot == nil,
              let term = log.term(at: index) else { throw .compactionOutOfRange(index: index) }
        let snapshot = RaftSnapshot(metadata: RaftSnapshotMetadata(index: index, term: term, membership: membership),
                                    data: snapshotData)
        log.storage.compact(to: snapshot)
    }
}
