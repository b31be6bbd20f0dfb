import FabricCore

// MARK: Design notes (for Docs/Architecture.md)
//
// MembershipCore is SWIM (Das et al. 2002) with Lifeguard (Dadgar et al. 2018) as a pure value:
// events in (`onJoin`, `onTimer`, `onMessage`, `onLeave`, `onDown`), directives out (`.send`,
// `.event`). It keeps its own deadlines; `nextDeadline` tells the shell when to call `onTimer`.
// What it does, and where it differs from hashicorp/memberlist:
//
// - Identity. A member is (node, generation, address); the generation is random per process.
//   Precedence (SWIM §4.2, see `Member.overrides`) applies within one generation; a different
//   generation of a known node replaces the entry when it comes first-hand (the sender is that
//   node) or when the entry is not alive; otherwise it is ignored and counted. The replaced
//   generation is remembered as retired (`Limits.retiredGenerationsMax`), as are generations
//   that were downed, left or removed, so late gossip cannot bring them back. memberlist has no
//   generation; it reuses a name after `DeadNodeReclaimTime`.
// - States. memberlist's dead is split in two: `unreachable` (the suspicion timed out — still
//   refutable, still probed) and `down` (decided by the split-brain resolver or an operator,
//   terminal). Unreachable members stay in the view until downed or refuted: the resolver needs
//   them, and memberlist's removal of dead nodes is what leaves both sides of a healed
//   partition ignorant of each other. An unreachable member is probed by direct ping only (no
//   ping-request, no local-health change, no new suspicion), and that ping carries the rumour
//   about it, so a healed partition or a resumed process refutes within one round of the
//   probe order.
// - Probing (SWIM §3.1, §4.3). Randomised round-robin: the order is shuffled, walked, reshuffled
//   when done; a new member is appended and swapped with a random position (as memberlist).
//   Direct ping, ping-requests to `indirectProbes` random alive members after the (scaled)
//   probe timeout, failure at the end of the (scaled) protocol period. Both are scaled by
//   (local health + 1) (Lifeguard §IV-A); memberlist's ticker keeps the base interval and only
//   stretches failed periods — here every period stretches, as the paper says. No TCP fallback
//   ping: the shell's transport is already a connection.
// - Local health (Lifeguard §IV-A), 0 ..< awarenessMax: −1 for a successful probe; for a failed
//   one +1 when no nacks were expected (no relays, or Lifeguard off), or +1 when fewer nacks
//   came than expected (not per missing nack as memberlist does, which the brief asked to
//   keep at 1); a failed probe whose relays all nacked leaves it unchanged (the relays could
//   reach us and also failed to reach the target: the target, not us, is the problem); +1 for
//   each refutation of a suspicion of itself.
// - Nacks (Lifeguard §IV-A). A relay nacks at `nackTimeoutPercent` (80 %) of its own unscaled
//   probe timeout and still forwards a late ack until one probe interval has passed.
// - Dynamic suspicion (Lifeguard §IV-B). min = α·max(1, log10 n)·probeInterval, max = β·min;
//   timeout = max − (max − min)·ln(c + 1)/ln(K + 1), never below min, c the distinct
//   confirmers besides the first reporter. K = suspicionMultiplier − 2 (memberlist's choice,
//   kept): a dead member is probed by about one member per period, so within the minimum
//   timeout (α·log10 n periods) about α independent failures arrive; expecting α − 2 of them
//   leaves a margin for the confirmations that are lost or late, and K is capped at n − 2
//   (everyone but the suspect and this member); K < 1 means the minimum at once (a 3-member
//   cluster has no one to confirm). Each new confirmation is re-gossiped with its reporter, so
//   other members count it too. Lifeguard off: timeout = min, no confirmations.
// - Buddy system (Lifeguard §IV-C). Any message to a suspect member carries its suspicion
//   first (not only pings, as memberlist: an ack to it works as well); a message to an
//   unreachable or down member always carries that rumour (this is how they learn, Lifeguard or not).
// - Dissemination (SWIM §4.1). One queued update per node, least-transmitted and newest first,
//   each sent at most retransmitMultiplier·ceil(log10(n + 1)) times (memberlist's formula),
//   piggybacked on every message within `Limits.gossipUpdatesPerMessageMax` and
//   `gossipBytesPerMessageMax`; the gossip tick sends them to `gossipNodes` members only when
//   something is queued. Members first learnt through push-pull are not re-gossiped (the peer's
//   view already had them, so they are not news; a 1,000-member join would otherwise flood
//   the joiner's queue); changes learnt through push-pull are.
// - Anti-entropy. Push-pull every pushPullInterval (×ceil(log2 n − log2 32) + 1 past 32
//   members, memberlist's scaling) with one random alive member, with the digest of
//   `MembershipDigest` (128 XOR buckets maintained incrementally) instead of memberlist's full
//   state: the peer replies with its members of the differing buckets, the origin merges and
//   sends back its own. A join is a push-pull with an empty digest to each seed. memberlist
//   sends the whole state both ways.
// - Leave. Incarnation + 1, status left, sent at once to `leaveFanout` members and gossiped;
//   the leaving member stops probing but keeps gossiping. Down (`onDown`) marks the member down
//   at its incarnation, gossips it and sends it a notice; a down member that keeps talking gets
//   another. Down and left members are not probed and are removed after `tombstoneTimeout`
//   (memberlist's GossipToTheDeadTime). A member that hears it is down (its own generation)
//   emits `.down` about itself and stops probing; the shell restarts it with a new generation.
//   A message from a retired generation (its notice was lost and its entry since removed) is
//   answered with a down notice and otherwise ignored, so a forgotten process always learns.
// - Events. `joined` when first learnt, `up` at the first message the member itself sends
//   while alive (any message, not only acks and push-pull), `reachable` on a refutation; a
//   replaced generation gets `down` (if it was not terminal) then `removed`, and the new one
//   `joined`. Events about this member itself: only `left` and `down`. A member whose join
//   reached no one stays alone: the shell retries its seeds (SWIM cannot find it).
// - Bad input is never trusted: each message's cluster hash (and a push-pull's full name) is
//   checked, messages "from" this node are refused, lists are read only up to their `Limits`,
//   unknown members are added only when alive, forged incarnations about this member are
//   answered by raising its own; each refusal is a named counter in `MembershipCounters`.
// - Cost. A dictionary by node, the probe order an array, a timer heap with lazy deletion, a
//   bucketed broadcast queue: a message costs O(updates carried), never O(n); `members` sorts
//   (for the shell and tests, not the hot path). Randomness comes only from the caller's
//   generator, and nothing iterates a dictionary where the order would show, so runs replay
//   from the generator's seed.

/// SWIM with Lifeguard as a pure value: the membership view of one member and everything it
/// does to keep it (see the design notes at the top of this file).
public struct MembershipCore: Sendable {
    /// This member.
    public let me: MemberIdentity
    /// The cluster's name (only members of the same cluster are listened to).
    public let cluster: String
    /// The settings.
    public let configuration: SWIMConfiguration
    /// FNV-1a 64 of `cluster`, carried in every message.
    public let clusterHash: UInt64

    /// Named counts of what this core did and refused.
    public internal(set) var counters = MembershipCounters()
    /// Lifeguard §IV-A local health multiplier, 0 ..< awarenessMax (always 0 with Lifeguard off).
    public internal(set) var localHealth = 0

    struct Entry: Sendable {
        var member: Member
        var suspicion: Suspicion?
        var confirmed = false
        var removeAt: Instant?
    }

    struct Suspicion: Sendable {
        var startedAt: Instant
        var deadline: Instant
        var minimum: Duration
        var maximum: Duration
        var expected: Int
        var confirmers: [NodeId]
    }

    struct ProbeRound: Sendable {
        var target: MemberIdentity
        var sequence: UInt32
        var indirectAt: Instant
        var directOnly: Bool
        var indirectSent = false
        var expectedNacks = 0
        var relaysAsked: [NodeId] = []
        var nackers: [NodeId] = []
    }

    struct Relay: Sendable {
        var origin: MemberIdentity
        var originSequence: UInt32
        var target: NodeId
        var nackAt: Instant?
        var expiresAt: Instant
    }

    struct PendingPushPull: Sendable {
        var sequence: UInt32
        var peer: NodeId
    }

    var entries: [NodeId: Entry] = [:]
    var digest = MembershipDigest()
    var probeOrder: [NodeId] = []
    var probeIndex = 0
    var inProbeOrder: Set<NodeId> = []
    /// Members suspected by others, to probe out of turn (`SWIMConfiguration.probesSuspectsEarly`),
    /// at most `Limits.earlySuspectProbesMax`.
    var earlyProbes: [NodeId] = []
    /// Whether the last period's probe was an early one (they alternate with the round-robin).
    var lastProbeWasEarly = false
    var probe: ProbeRound?
    var nextProbeAt: Instant
    var nextGossipAt: Instant
    var nextPushPullAt: Instant
    var relays: [UInt32: Relay] = [:]
    var pushPullsPending: [PendingPushPull] = []
    var timers = TimerHeap()
    var queue = BroadcastQueue()
    var retired = RetiredGenerations()
    var sequence: UInt32 = 0

    /// A member alone in its view (alive, incarnation 0); `onJoin` contacts the seeds.
    ///
    /// An invalid configuration is a programmer error and traps with the reason.
    public init(me: MemberIdentity, cluster: String, configuration: SWIMConfiguration, now: Instant) {
        if let reason = configuration.invalidity {
            preconditionFailure("invalid SWIM configuration: \(reason)")
        }
        self.me = me
        self.cluster = cluster
        self.configuration = configuration
        self.clusterHash = StableHash.of(cluster)
        let myself = Member(identity: me, status: .alive, incarnation: 0)
        entries[me.node] = Entry(member: myself, confirmed: true)
        digest.insert(myself)
        nextProbeAt = now + configuration.probeInterval
        nextGossipAt = now + configuration.gossipInterval
        nextPushPullAt = now + configuration.pushPullInterval
    }

    // MARK: The view

    /// The view, this member included, sorted by node.
    public var members: [Member] {
        entries.values.map(\.member).sorted { $0.identity.node < $1.identity.node }
    }

    /// The entry about `node`, if the view has one.
    public func member(_ node: NodeId) -> Member? { entries[node]?.member }

    /// Members in the view, this member and tombstones included.
    public var memberCount: Int { entries.count }

    /// This member's own entry.
    public var myself: Member {
        guard let entry = entries[me.node] else { preconditionFailure("own entry missing for \(me.node)") }
        return entry.member
    }

    /// Updates waiting to be piggybacked.
    public var queuedUpdates: Int { queue.count }

    /// When the shell must call `onTimer` next (nil: nothing scheduled).
    public var nextDeadline: Instant? {
        var earliest = nextProbeAt
        if let probe, !probe.indirectSent, !probe.directOnly { earliest = min(earliest, probe.indirectAt) }
        if !queue.isEmpty { earliest = min(earliest, nextGossipAt) }
        earliest = min(earliest, nextPushPullAt)
        if let timer = timers.top { earliest = min(earliest, timer.at) }
        return earliest
    }

    // MARK: Events

    /// Joins through `seeds`: a push-pull with an empty digest to each (at most `Limits.joinSeedsMax`).
    public mutating func onJoin(seeds: [NodeId: NodeAddress], now: Instant) -> [MembershipDirective] {
        var out: [MembershipDirective] = []
        for node in seeds.keys.sorted().prefix(Limits.joinSeedsMax) where node != me.node {
            guard let address = seeds[node] else { continue }
            startPushPull(with: node, address: address, join: true, into: &out)
        }
        return out
    }

    /// Handles every deadline that is due at `now`.
    public mutating func onTimer(now: Instant, random: inout some RandomNumberGenerator) -> [MembershipDirective] {
        var out: [MembershipDirective] = []
        if let probe, !probe.indirectSent, !probe.directOnly, probe.indirectAt <= now {
            sendIndirectProbes(now: now, random: &random, into: &out)
        }
        if nextProbeAt <= now {
            finishProbe(now: now, into: &out)
            startProbe(now: now, random: &random, into: &out)
        }
        if nextGossipAt <= now {
            gossipTick(random: &random, into: &out)
            nextGossipAt = Self.advance(nextGossipAt, by: configuration.gossipInterval, now: now)
        }
        if nextPushPullAt <= now {
            pushPullTick(random: &random, into: &out)
            nextPushPullAt = Self.advance(nextPushPullAt, by: pushPullInterval, now: now)
        }
        while let timer = timers.top, timer.at <= now {
            timers.pop()
            fire(timer, now: now, random: &random, into: &out)
        }
        pruneTimers()
        return out
    }

    /// Handles one message from another member.
    public mutating func onMessage(
        _ message: SWIMMessage, now: Instant, random: inout some RandomNumberGenerator
    ) -> [MembershipDirective] {
        var out: [MembershipDirective] = []
        counters.messagesReceived += 1
        receive(message, now: now, random: &random, into: &out)
        pruneTimers()
        return out
    }

    /// Leaves gracefully: left at incarnation + 1, sent at once to `leaveFanout` members and gossiped.
    public mutating func onLeave(now: Instant, random: inout some RandomNumberGenerator) -> [MembershipDirective] {
        var out: [MembershipDirective] = []
        guard !myself.status.isTerminal else { return out }
        var left = myself
        left.status = .left
        left.incarnation += 1
        setMyself(left, into: &out)
        out.append(.event(MembershipEvent(kind: .left, member: left)))
        for target in randomMembers(count: configuration.leaveFanout, excluding: nil, aliveOnly: false, random: &random) {
            sendGossip(to: target, into: &out)
        }
        return out
    }

    /// A downing decision about `node` at `generation` (the split-brain resolver or an
    /// operator): marks it down, gossips it and tells the member. Anything else is counted.
    public mutating func onDown(_ node: NodeId, generation: UInt64, now: Instant) -> [MembershipDirective] {
        var out: [MembershipDirective] = []
        if node == me.node {
            guard generation == me.generation, !myself.status.isTerminal else {
                counters.ignoredDownUnknown += 1
                return out
            }
            var down = myself
            down.status = .down
            setMyself(down, into: &out)
            out.append(.event(MembershipEvent(kind: .down, member: down)))
            return out
        }
        guard var entry = entries[node], entry.member.identity.generation == generation,
            !entry.member.status.isTerminal
        else {
            counters.ignoredDownUnknown += 1
            return out
        }
        var down = entry.member
        down.status = .down
        transition(&entry, to: down, reporter: me.node, gossip: true, now: now, into: &out)
        entries[node] = entry
        sendDownNotice(to: node, into: &out)
        pruneTimers()
        return out
    }

    // MARK: Helpers shared by the concerns

    /// The next sequence number (for probes, relays and push-pulls).
    mutating func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// `previous + interval`, or `now + interval` when the shell was late past that.
    static func advance(_ previous: Instant, by interval: Duration, now: Instant) -> Instant {
        let next = previous + interval
        return next > now ? next : now + interval
    }

    /// Drops timers from the top of the heap whose subject changed, so `nextDeadline` is exact.
    mutating func pruneTimers() {
        while let timer = timers.top, !isLive(timer) { timers.pop() }
    }

    func isLive(_ timer: CoreTimer) -> Bool {
        switch timer.kind {
        case .suspicion(let node): return entries[node]?.suspicion?.deadline == timer.at
        case .tombstone(let node): return entries[node]?.removeAt == timer.at
        case .relayNack(let sequence): return relays[sequence]?.nackAt == timer.at
        case .relayExpiry(let sequence): return relays[sequence]?.expiresAt == timer.at
        }
    }
}
