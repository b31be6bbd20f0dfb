import FabricCore

/// The failure detector: SWIM §3.1 probes, §4.3 round-robin order, Lifeguard §IV-A nacks.
extension MembershipCore {
    /// Starts the next protocol period: the period and the probe timeout are scaled by
    /// (local health + 1); the next member of the round-robin order is pinged, carrying its
    /// suspicion first when it is suspect (the buddy system).
    mutating func startProbe(now: Instant, random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]) {
        let scale = localHealth + 1
        nextProbeAt = Self.advance(nextProbeAt, by: configuration.probeInterval * scale, now: now)
        guard !myself.status.isTerminal, let target = nextProbeTarget(random: &random) else { return }
        let sequence = nextSequence()
        probe = ProbeRound(
            target: target.identity, sequence: sequence, indirectAt: now + configuration.probeTimeout * scale,
            directOnly: target.status == .unreachable)
        counters.probesSent += 1
        send(to: target.node, address: target.identity.address, into: &out) {
            .ping($0, sequence: sequence, target: target.node)
        }
    }

    /// The end of the period: a probe still without an ack has failed. Local health rises
    /// (unless every expected nack came), and an alive target becomes suspect (a suspect one
    /// gets this member's confirmation). An unreachable target was pinged directly only; its
    /// silence changes nothing.
    mutating func finishProbe(now: Instant, into out: inout [MembershipDirective]) {
        guard let round = probe else { return }
        probe = nil
        counters.probesFailed += 1
        guard !round.directOnly else { return }
        if round.expectedNacks == 0 {
            changeLocalHealth(by: 1)
        } else if round.nackers.count < round.expectedNacks {
            changeLocalHealth(by: 1)
        }
        guard var entry = entries[round.target.node],
            entry.member.identity.generation == round.target.generation
        else { return }
        switch entry.member.status {
        case .alive:
            var suspect = entry.member
            suspect.status = .suspect
            transition(&entry, to: suspect, reporter: me.node, gossip: true, now: now, into: &out)
        case .suspect:
            confirmSuspicion(&entry, by: me.node, now: now)
        case .unreachable, .down, .left:
            return
        }
        entries[round.target.node] = entry
    }

    /// The direct ping timed out: ask `indirectProbes` random alive members to ping the target
    /// (SWIM §3.1), wanting nacks when Lifeguard is on.
    mutating func sendIndirectProbes(now: Instant, random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]) {
        guard var round = probe else { return }
        round.indirectSent = true
        let relays = randomMembers(
            count: configuration.indirectProbes, excluding: round.target.node, aliveOnly: true, random: &random)
        let wantsNack = configuration.lifeguard
        for relay in relays {
            send(to: relay.node, address: relay.identity.address, into: &out) {
                .pingRequest($0, sequence: round.sequence, target: round.target, wantsNack: wantsNack)
            }
        }
        counters.indirectProbesSent += UInt64(relays.count)
        round.relaysAsked = relays.map(\.node)
        round.expectedNacks = wantsNack ? relays.count : 0
        probe = round
    }

    /// Acks a ping meant for this node.
    mutating func answerPing(from sender: MemberIdentity, sequence: UInt32, target: NodeId, into out: inout [MembershipDirective]) {
        guard target == me.node else {
            counters.ignoredMisaddressedPing += 1
            return
        }
        send(to: sender.node, address: sender.address, into: &out) { .ack($0, sequence: sequence, target: target) }
    }

    /// Relays a ping-request: pings the target under a sequence of its own, arms the nack timer
    /// (Lifeguard §IV-A, `nackTimeoutPercent` of the probe timeout) and forgets it after a period.
    mutating func relayPing(
        from sender: MemberIdentity, sequence: UInt32, target: MemberIdentity, wantsNack: Bool, now: Instant,
        into out: inout [MembershipDirective]
    ) {
        if target.node == me.node {
            send(to: sender.node, address: sender.address, into: &out) { .ack($0, sequence: sequence, target: target.node) }
            return
        }
        guard relays.count < Limits.swimRelaysMax else {
            counters.refusedRelaysOverLimit += 1
            return
        }
        let relaySequence = nextSequence()
        var nackAt: Instant?
        if wantsNack, configuration.lifeguard {
            let at = now + configuration.probeTimeout * configuration.nackTimeoutPercent / 100
            nackAt = at
            timers.push(.relayNack(relaySequence), at: at)
        }
        let expiresAt = now + configuration.probeInterval
        timers.push(.relayExpiry(relaySequence), at: expiresAt)
        relays[relaySequence] = Relay(
            origin: sender, originSequence: sequence, target: target.node, nackAt: nackAt, expiresAt: expiresAt)
        counters.relaysStarted += 1
        send(to: target.node, address: target.address, into: &out) {
            .ping($0, sequence: relaySequence, target: target.node)
        }
    }

    /// An ack: the probe in flight succeeded (from the target itself, or relayed by a member it
    /// asked), or a relayed ping was answered and goes back to its origin. Anything else is counted.
    mutating func receiveAck(from sender: NodeId, sequence: UInt32, target: NodeId, into out: inout [MembershipDirective]) {
        if let round = probe, round.sequence == sequence, round.target.node == target,
            sender == target || round.relaysAsked.contains(sender)
        {
            probe = nil
            counters.probesSucceeded += 1
            changeLocalHealth(by: -1)
            return
        }
        if let relay = relays[sequence], relay.target == sender, target == sender {
            relays[sequence] = nil
            send(to: relay.origin.node, address: relay.origin.address, into: &out) {
                .ack($0, sequence: relay.originSequence, target: relay.target)
            }
            return
        }
        counters.ignoredUnexpectedAck += 1
    }

    /// A nack from a relay this probe asked (once per relay).
    mutating func receiveNack(from sender: NodeId, sequence: UInt32, target: NodeId) {
        guard var round = probe, round.sequence == sequence, round.target.node == target,
            round.relaysAsked.contains(sender), !round.nackers.contains(sender)
        else {
            counters.ignoredUnexpectedNack += 1
            return
        }
        round.nackers.append(sender)
        counters.nacksReceived += 1
        probe = round
    }

    /// The relay's nack timer: the target has not answered yet.
    mutating func sendRelayNack(_ relaySequence: UInt32, into out: inout [MembershipDirective]) {
        guard let relay = relays[relaySequence] else { return }
        relays[relaySequence]?.nackAt = nil
        counters.nacksSent += 1
        send(to: relay.origin.node, address: relay.origin.address, into: &out) {
            .nack($0, sequence: relay.originSequence, target: relay.target)
        }
    }

    // MARK: The round-robin order (SWIM §4.3)

    /// The next member to probe: walks the shuffled order, skipping this member, members gone
    /// from the view and terminal ones; at the end the order is rebuilt and shuffled again.
    mutating func nextProbeTarget(random: inout some RandomNumberGenerator) -> Member? {
        if !lastProbeWasEarly {
            while !earlyProbes.isEmpty {
                let node = earlyProbes.removeFirst()
                if let entry = entries[node], entry.member.status == .suspect {
                    lastProbeWasEarly = true
                    return entry.member
                }
            }
        }
        lastProbeWasEarly = false
        var visited = 0
        while visited <= probeOrder.count {
            if probeIndex >= probeOrder.count {
                reshuffleProbeOrder(random: &random)
                if probeOrder.isEmpty { return nil }
            }
            let node = probeOrder[probeIndex]
            probeIndex += 1
            visited += 1
            if let entry = entries[node], !entry.member.status.isTerminal { return entry.member }
        }
        return nil
    }

    /// Drops members gone or terminal from the order and shuffles it (deterministic for a seeded generator).
    mutating func reshuffleProbeOrder(random: inout some RandomNumberGenerator) {
        probeOrder.removeAll { node in
            guard let entry = entries[node] else { return true }
            return entry.member.status.isTerminal
        }
        probeOrder.shuffle(using: &random)
        inProbeOrder = Set(probeOrder)
        probeIndex = 0
    }

    /// Puts a new member at a random position of the order (appended, then swapped, as memberlist).
    mutating func insertIntoProbeOrder(_ node: NodeId, random: inout some RandomNumberGenerator) {
        guard node != me.node, inProbeOrder.insert(node).inserted else { return }
        probeOrder.append(node)
        let other = Int.random(in: 0..<probeOrder.count, using: &random)
        probeOrder.swapAt(other, probeOrder.count - 1)
    }

    /// Up to `count` distinct random members other than this one and `excluding`: alive ones,
    /// or alive and suspect ones. O(count) for large views (rejection sampling over the order).
    func randomMembers(
        count: Int, excluding: NodeId?, aliveOnly: Bool, random: inout some RandomNumberGenerator
    ) -> [Member] {
        guard count > 0, !probeOrder.isEmpty else { return [] }
        func candidate(_ node: NodeId) -> Member? {
            guard node != me.node, node != excluding, let member = entries[node]?.member else { return nil }
            switch member.status {
            case .alive: return member
            case .suspect: return aliveOnly ? nil : member
            case .unreachable, .down, .left: return nil
            }
        }
        if probeOrder.count <= 4 * count + 16 {
            var pool = probeOrder.compactMap(candidate)
            let taken = min(count, pool.count)
            for index in 0..<taken {
                pool.swapAt(index, Int.random(in: index..<pool.count, using: &random))
            }
            return Array(pool.prefix(taken))
        }
        var chosen: [Member] = []
        for _ in 0..<(4 * count + 16) where chosen.count < count {
            let node = probeOrder[Int.random(in: 0..<probeOrder.count, using: &random)]
            if let member = candidate(node), !chosen.contains(where: { $0.node == node }) { chosen.append(member) }
        }
        return chosen
    }
}
