import FabricCore

/// Receiving messages and merging what they say into the view (SWIM §4.2's precedence rules,
/// generations, refutation).
extension MembershipCore {
    /// Where an update came from: how much it is trusted and whether it is re-gossiped.
    enum Source {
        /// The member itself sent the message (its header).
        case firstHand
        /// Piggybacked gossip.
        case gossip
        /// A push-pull list: merged like gossip, but members first learnt this way are not re-gossiped.
        case pushPull
    }

    /// Checks a message's cluster and sender, merges its header and gossip, then handles its body.
    mutating func receive(
        _ message: SWIMMessage, now: Instant, random: inout some RandomNumberGenerator,
        into out: inout [MembershipDirective]
    ) {
        let header = message.header
        guard header.clusterHash == clusterHash else {
            counters.refusedOtherCluster += 1
            return
        }
        if case .pushPull(_, let pushPull) = message, pushPull.cluster != cluster {
            counters.refusedOtherCluster += 1
            return
        }
        guard header.sender.node != me.node else {
            counters.refusedFromSelf += 1
            return
        }
        if retired.contains(header.sender.node, generation: header.sender.identity.generation) {
            // A finished process still talking (its down notice was lost, and its entry has
            // since been removed): tell it, and listen to nothing else it says.
            counters.refusedRetiredSender += 1
            sendFinishedNotice(to: header.sender, into: &out)
            return
        }
        mergeSender(header.sender, now: now, random: &random, into: &out)
        mergeGossip(header.gossip, now: now, random: &random, into: &out)
        let sender = header.sender.identity
        switch message {
        case .ping(_, let sequence, let target):
            answerPing(from: sender, sequence: sequence, target: target, into: &out)
        case .pingRequest(_, let sequence, let target, let wantsNack):
            relayPing(from: sender, sequence: sequence, target: target, wantsNack: wantsNack, now: now, into: &out)
        case .ack(_, let sequence, let target):
            receiveAck(from: sender.node, sequence: sequence, target: target, into: &out)
        case .nack(_, let sequence, let target):
            receiveNack(from: sender.node, sequence: sequence, target: target)
        case .gossip:
            break
        case .pushPull(_, let pushPull):
            receivePushPull(pushPull, from: sender, now: now, random: &random, into: &out)
        }
    }

    /// The sender's own entry is first-hand news: merged, and its first contact is `up`. A
    /// member that talks while it is down here is told again.
    mutating func mergeSender(
        _ sender: Member, now: Instant, random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]
    ) {
        merge(sender, reporter: sender.node, source: .firstHand, now: now, random: &random, into: &out)
        guard var entry = entries[sender.node], entry.member.identity.generation == sender.identity.generation
        else { return }
        if entry.member.status == .down {
            sendDownNotice(to: sender.node, into: &out)
        } else if !entry.confirmed, entry.member.status == .alive {
            entry.confirmed = true
            entries[sender.node] = entry
            out.append(.event(MembershipEvent(kind: .up, member: entry.member)))
        }
    }

    /// Tells a retired generation it is down: a gossip message carrying only that.
    mutating func sendFinishedNotice(to sender: Member, into out: inout [MembershipDirective]) {
        var finished = sender
        finished.status = .down
        let header = SWIMHeader(
            sender: myself, clusterHash: clusterHash, gossip: [MemberUpdate(member: finished, reporter: me.node)])
        out.append(.send(.gossip(header), to: sender.node, address: sender.identity.address))
        counters.messagesSent += 1
        counters.downNoticesSent += 1
    }

    /// Merges piggybacked updates, reading at most `Limits.gossipUpdatesPerMessageMax`.
    mutating func mergeGossip(
        _ gossip: [MemberUpdate], now: Instant, random: inout some RandomNumberGenerator,
        into out: inout [MembershipDirective]
    ) {
        if gossip.count > Limits.gossipUpdatesPerMessageMax {
            counters.refusedGossipOverLimit += UInt64(gossip.count - Limits.gossipUpdatesPerMessageMax)
        }
        for update in gossip.prefix(Limits.gossipUpdatesPerMessageMax) {
            merge(update.member, reporter: update.reporter, source: .gossip, now: now, random: &random, into: &out)
        }
    }

    /// Merges one update into the view.
    ///
    /// - About this member: see `mergeAboutMyself`.
    /// - A retired generation: ignored.
    /// - An unknown node: added when alive (and the view has room); anything else is ignored,
    ///   a terminal one remembered as retired.
    /// - Another generation of a known node: replaces it when first-hand or when the entry is
    ///   not alive; otherwise ignored (someone's stale or forged claim).
    /// - The same generation: `Member.overrides`, or an independent confirmation of a suspicion.
    mutating func merge(
        _ incoming: Member, reporter: NodeId, source: Source, now: Instant,
        random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]
    ) {
        let node = incoming.node
        if node == me.node {
            mergeAboutMyself(incoming, into: &out)
            return
        }
        if retired.contains(node, generation: incoming.identity.generation) {
            counters.ignoredRetiredGeneration += 1
            return
        }
        guard var entry = entries[node] else {
            addMember(incoming, reporter: reporter, source: source, now: now, random: &random, into: &out)
            return
        }
        if entry.member.identity.generation != incoming.identity.generation {
            guard source == .firstHand || entry.member.status != .alive else {
                counters.ignoredGenerationConflict += 1
                return
            }
            replace(entry, with: incoming, reporter: reporter, source: source, now: now, random: &random, into: &out)
            return
        }
        guard entry.member.identity.address == incoming.identity.address else {
            counters.ignoredAddressConflict += 1
            return
        }
        if incoming.overrides(entry.member) {
            transition(&entry, to: incoming, reporter: reporter, gossip: true, now: now, into: &out)
            entries[node] = entry
        } else if incoming.status == .suspect, entry.member.status == .suspect,
            incoming.incarnation == entry.member.incarnation
        {
            confirmSuspicion(&entry, by: reporter, now: now)
            entries[node] = entry
        } else if source != .firstHand || incoming != entry.member {
            // (A sender's header repeating what the view already says is no news, not stale.)
            counters.updatesStale += 1
        }
    }

    /// A rumour about this member: a suspicion (or unreachable) at its incarnation or later is
    /// refuted with alive(incarnation + 1) and raises local health (SWIM §4.2, Lifeguard §IV-A);
    /// an alive at an incarnation it never had is answered the same way; down or left at its
    /// generation is terminal and reported as an event about itself.
    mutating func mergeAboutMyself(_ incoming: Member, into out: inout [MembershipDirective]) {
        guard incoming.identity.generation == me.generation else {
            counters.ignoredAboutOtherSelf += 1
            return
        }
        var mine = myself
        guard !mine.status.isTerminal else {
            counters.updatesStale += 1
            return
        }
        switch incoming.status {
        case .alive:
            guard incoming.incarnation > mine.incarnation else {
                counters.updatesStale += 1
                return
            }
            counters.forgedSelfAlive += 1
            mine.incarnation = Self.incremented(incoming.incarnation)
            setMyself(mine, into: &out)
        case .suspect, .unreachable:
            guard incoming.incarnation >= mine.incarnation else {
                counters.updatesStale += 1
                return
            }
            counters.refutations += 1
            mine.incarnation = Self.incremented(incoming.incarnation)
            setMyself(mine, into: &out)
            changeLocalHealth(by: 1)
        case .down, .left:
            mine.status = incoming.status
            setMyself(mine, into: &out)
            out.append(.event(MembershipEvent(kind: incoming.status == .down ? .down : .left, member: mine)))
        }
    }

    /// `value + 1`, saturating (a forged incarnation of UInt64.max must not trap).
    static func incremented(_ value: UInt64) -> UInt64 { value == .max ? .max : value + 1 }

    /// Replaces this member's own entry and queues it for gossip.
    mutating func setMyself(_ new: Member, into out: inout [MembershipDirective]) {
        let old = myself
        digest.change(from: old, to: new)
        entries[me.node]?.member = new
        queue.enqueue(MemberUpdate(member: new, reporter: me.node))
        counters.updatesApplied += 1
    }

    /// Adds a node first learnt of, when it is alive and the view has room.
    mutating func addMember(
        _ incoming: Member, reporter: NodeId, source: Source, now: Instant,
        random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]
    ) {
        guard incoming.status == .alive else {
            counters.ignoredUnknownMember += 1
            if incoming.status.isTerminal { retired.insert(incoming.node, generation: incoming.identity.generation) }
            return
        }
        insertEntry(incoming, reporter: reporter, source: source, now: now, random: &random, into: &out)
    }

    /// Puts a new entry in the view (refused and counted when the view is full).
    mutating func insertEntry(
        _ incoming: Member, reporter: NodeId, source: Source, now: Instant,
        random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]
    ) {
        guard entries.count < Limits.membersMax else {
            counters.refusedViewFull += 1
            return
        }
        var entry = Entry(member: incoming)
        digest.insert(incoming)
        insertIntoProbeOrder(incoming.node, random: &random)
        counters.updatesApplied += 1
        out.append(.event(MembershipEvent(kind: .joined, member: incoming)))
        if source == .firstHand, incoming.status == .alive {
            entry.confirmed = true
            out.append(.event(MembershipEvent(kind: .up, member: incoming)))
        }
        if incoming.status == .suspect { startSuspicion(&entry, reporter: reporter, now: now) }
        entries[incoming.node] = entry
        if source != .pushPull { queue.enqueue(MemberUpdate(member: incoming, reporter: reporter)) }
    }

    /// A newer process of a node: the old generation is down (if it was not terminal) and
    /// removed, retired, and the new one joins.
    mutating func replace(
        _ old: Entry, with incoming: Member, reporter: NodeId, source: Source, now: Instant,
        random: inout some RandomNumberGenerator, into out: inout [MembershipDirective]
    ) {
        guard !incoming.status.isTerminal else {
            retired.insert(incoming.node, generation: incoming.identity.generation)
            counters.updatesStale += 1
            return
        }
        if !old.member.status.isTerminal {
            var down = old.member
            down.status = .down
            out.append(.event(MembershipEvent(kind: .down, member: down)))
        }
        removeEntry(old.member, into: &out)
        // A replacement is news even when learnt by push-pull.
        insertEntry(incoming, reporter: reporter, source: source == .pushPull ? .gossip : source,
            now: now, random: &random, into: &out)
    }

    /// Takes an entry out of the view for good (its generation retired) and says `removed`.
    mutating func removeEntry(_ member: Member, into out: inout [MembershipDirective]) {
        digest.remove(member)
        entries[member.node] = nil
        queue.remove(member.node)
        retired.insert(member.node, generation: member.identity.generation)
        out.append(.event(MembershipEvent(kind: .removed, member: member)))
    }

    /// Applies a change that won by precedence: the digest, the suspicion, the tombstone, the
    /// event, and (when `gossip`) the update queued for dissemination.
    mutating func transition(
        _ entry: inout Entry, to new: Member, reporter: NodeId, gossip: Bool, now: Instant,
        into out: inout [MembershipDirective]
    ) {
        let old = entry.member
        digest.change(from: old, to: new)
        entry.member = new
        counters.updatesApplied += 1
        switch new.status {
        case .alive:
            entry.suspicion = nil
            if old.status == .suspect || old.status == .unreachable {
                out.append(.event(MembershipEvent(kind: .reachable, member: new)))
            }
        case .suspect:
            startSuspicion(&entry, reporter: reporter, now: now)
            if old.status != .suspect { out.append(.event(MembershipEvent(kind: .suspect, member: new))) }
        case .unreachable:
            entry.suspicion = nil
            if old.status != .unreachable { out.append(.event(MembershipEvent(kind: .unreachable, member: new))) }
        case .down, .left:
            entry.suspicion = nil
            let removeAt = now + configuration.tombstoneTimeout
            entry.removeAt = removeAt
            timers.push(.tombstone(new.node), at: removeAt)
            out.append(.event(MembershipEvent(kind: new.status == .down ? .down : .left, member: new)))
        }
        if gossip { queue.enqueue(MemberUpdate(member: new, reporter: reporter)) }
    }

    /// Handles a due timer that still holds.
    mutating func fire(
        _ timer: CoreTimer, now: Instant, random: inout some RandomNumberGenerator,
        into out: inout [MembershipDirective]
    ) {
        guard isLive(timer) else { return }
        switch timer.kind {
        case .suspicion(let node):
            suspicionTimedOut(node, now: now, into: &out)
        case .tombstone(let node):
            if let entry = entries[node] { removeEntry(entry.member, into: &out) }
        case .relayNack(let sequence):
            sendRelayNack(sequence, into: &out)
        case .relayExpiry(let sequence):
            relays[sequence] = nil
        }
    }
}
