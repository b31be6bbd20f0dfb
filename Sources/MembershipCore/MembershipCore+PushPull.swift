import FabricCore

/// Push-pull anti-entropy with digests (memberlist's push-pull, exchanging only what differs).
extension MembershipCore {
    /// The push-pull interval, ×(ceil(log2 n − log2 32) + 1) past 32 members (memberlist's scaling).
    var pushPullInterval: Duration {
        var multiplier = 1
        var size = 32
        while size < entries.count {
            size *= 2
            multiplier += 1
        }
        return configuration.pushPullInterval * multiplier
    }

    /// The push-pull tick: one exchange with a random alive member.
    mutating func pushPullTick(random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]) {
        guard !myself.status.isTerminal,
            let peer = randomMembers(count: 1, excluding: nil, aliveOnly: true, random: &random).first
        else { return }
        startPushPull(with: peer.node, address: peer.identity.address, join: false, into: &out)
    }

    /// Sends this member's digest (none for a join) and remembers the exchange.
    mutating func startPushPull(with node: NodeId, address: NodeAddress, join: Bool, into out: inout [MembershipDirective]) {
        let sequence = nextSequence()
        pushPullsPending.append(PendingPushPull(sequence: sequence, peer: node))
        if pushPullsPending.count > Limits.pushPullsPendingMax { pushPullsPending.removeFirst() }
        counters.pushPullsStarted += 1
        let hashes = join ? [] : digest.hashes
        let cluster = cluster
        send(to: node, address: address, into: &out) {
            .pushPull($0, PushPull(cluster: cluster, sequence: sequence, phase: .digest(join: join, bucketHashes: hashes)))
        }
    }

    /// One step of an exchange (see `PushPull`).
    mutating func receivePushPull(
        _ pushPull: PushPull, from sender: MemberIdentity, now: Instant, random: inout some RandomNumberGenerator,
        into out: inout [MembershipDirective]
    ) {
        let cluster = cluster
        switch pushPull.phase {
        case .digest(let join, let hashes):
            let differing: [Int]
            if join {
                differing = Array(0..<MembershipDigest.bucketCount)
            } else {
                guard hashes.count == MembershipDigest.bucketCount else {
                    counters.refusedMalformedDigest += 1
                    return
                }
                differing = (0..<MembershipDigest.bucketCount).filter { hashes[$0] != digest.hashes[$0] }
            }
            counters.pushPullsAnswered += 1
            guard !differing.isEmpty else {
                counters.pushPullsInSync += 1
                return
            }
            let members = members(inBuckets: differing)
            let buckets = differing.map { UInt16($0) }
            send(to: sender.node, address: sender.address, into: &out) {
                .pushPull($0, PushPull(cluster: cluster, sequence: pushPull.sequence, phase: .reply(buckets: buckets, members: members)))
            }
        case .reply(let buckets, let members):
            mergeMembers(members, from: sender.node, now: now, random: &random, into: &out)
            guard let pending = pushPullsPending.firstIndex(where: { $0.sequence == pushPull.sequence && $0.peer == sender.node })
            else {
                counters.unsolicitedPushPull += 1
                return
            }
            pushPullsPending.remove(at: pending)
            guard let indices = Self.validBuckets(buckets) else {
                counters.refusedMalformedDigest += 1
                return
            }
            let mine = self.members(inBuckets: indices)
            send(to: sender.node, address: sender.address, into: &out) {
                .pushPull($0, PushPull(cluster: cluster, sequence: pushPull.sequence, phase: .merge(members: mine)))
            }
        case .merge(let members):
            mergeMembers(members, from: sender.node, now: now, random: &random, into: &out)
        }
    }

    /// Bucket indices from the wire: each in range, no repeats, or nil.
    static func validBuckets(_ buckets: [UInt16]) -> [Int]? {
        guard buckets.count <= MembershipDigest.bucketCount else { return nil }
        var seen = [Bool](repeating: false, count: MembershipDigest.bucketCount)
        var indices: [Int] = []
        indices.reserveCapacity(buckets.count)
        for bucket in buckets {
            let index = Int(bucket)
            guard index < MembershipDigest.bucketCount, !seen[index] else { return nil }
            seen[index] = true
            indices.append(index)
        }
        return indices
    }

    /// This member's entries in `buckets`, at most `Limits.pushPullMembersPerMessageMax`.
    func members(inBuckets buckets: [Int]) -> [Member] {
        var members: [Member] = []
        for bucket in buckets {
            for node in digest.nodes[bucket] {
                guard members.count < Limits.pushPullMembersPerMessageMax else { return members }
                if let member = entries[node]?.member { members.append(member) }
            }
        }
        return members
    }

    /// Merges a push-pull list, reading at most `Limits.pushPullMembersPerMessageMax`.
    mutating func mergeMembers(
        _ members: [Member], from sender: NodeId, now: Instant, random: inout some RandomNumberGenerator,
        into out: inout [MembershipDirective]
    ) {
        if members.count > Limits.pushPullMembersPerMessageMax {
            counters.refusedPushPullOverLimit += UInt64(members.count - Limits.pushPullMembersPerMessageMax)
        }
        for member in members.prefix(Limits.pushPullMembersPerMessageMax) {
            merge(member, reporter: sender, source: .pushPull, now: now, random: &random, into: &out)
        }
    }
}
