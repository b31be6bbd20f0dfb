import FabricCore

/// Dissemination (SWIM §4.1) and the messages that carry it.
extension MembershipCore {
    /// λ·ceil(log10(n + 1)): how many times one update is piggybacked (memberlist's formula).
    var retransmitLimit: Int {
        configuration.retransmitMultiplier * max(1, StableMath.ceilLog10(entries.count + 1))
    }

    /// The updates for a message to `destination`: the rumour about the destination itself
    /// first when it is suspect (Lifeguard §IV-C buddy system; Lifeguard on), unreachable or
    /// down (so it can refute or learn it), then the queue's least-transmitted, within the bounds.
    mutating func piggyback(for destination: NodeId) -> [MemberUpdate] {
        var updates: [MemberUpdate] = []
        var bytes = 0
        if let entry = entries[destination] {
            let status = entry.member.status
            if (status == .suspect && configuration.lifeguard) || status == .unreachable || status == .down {
                let rumour = MemberUpdate(member: entry.member, reporter: entry.suspicion?.confirmers.first ?? me.node)
                updates.append(rumour)
                bytes = BroadcastQueue.estimatedBytes(rumour)
            }
        }
        let taken = queue.take(
            countMax: Limits.gossipUpdatesPerMessageMax - updates.count,
            bytesMax: Limits.gossipBytesPerMessageMax - bytes, limit: retransmitLimit)
        if updates.isEmpty { return taken }
        // The rumour about the destination already leads; a queued copy would say it twice.
        updates += taken.filter { $0.member.node != destination || $0 != updates[0] }
        return updates
    }

    /// Appends a `.send` to `node`, its header built with this member's entry and the piggyback for it.
    mutating func send(
        to node: NodeId, address: NodeAddress, into out: inout [MembershipDirective],
        _ build: (SWIMHeader) -> SWIMMessage
    ) {
        let header = SWIMHeader(sender: myself, clusterHash: clusterHash, gossip: piggyback(for: node))
        out.append(.send(build(header), to: node, address: address))
        counters.messagesSent += 1
    }

    /// Gossip alone to one member.
    mutating func sendGossip(to member: Member, into out: inout [MembershipDirective]) {
        send(to: member.node, address: member.identity.address, into: &out) { .gossip($0) }
    }

    /// Tells a downed member it is down (the rumour about it goes first).
    mutating func sendDownNotice(to node: NodeId, into out: inout [MembershipDirective]) {
        guard let member = entries[node]?.member else { return }
        counters.downNoticesSent += 1
        sendGossip(to: member, into: &out)
    }

    /// The gossip tick: when updates are queued, to `gossipNodes` random alive or suspect
    /// members (a leaving member keeps gossiping; a down one stops).
    mutating func gossipTick(random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]) {
        guard !queue.isEmpty, myself.status != .down else { return }
        for target in randomMembers(count: configuration.gossipNodes, excluding: nil, aliveOnly: false, random: &random) {
            if queue.isEmpty { break }
            sendGossip(to: target, into: &out)
        }
    }
}
