import Distributed
import FabricActorSystem
import FabricCore
import FabricReactor
import HealthCore
import MembershipCore

/// The SWIM member of one node: the shell around `MembershipCore` (DESIGN.md §2), at the
/// well-known path `/system/swim` so that every node reaches every other's by name alone.
///
/// It decides nothing. It feeds the core what happens — messages from other members, its
/// timers, join, leave, downing decisions — and carries out what the core returns: each
/// `.send` becomes a one-way call on the control lane (written ahead of user traffic, never
/// queued behind it: issue 14's lanes), each `.event` a cluster event, and a member the core
/// reports down is declared down to the actor system, so calls pending on it fail at once.
///
/// It runs on one of the node's event loops (`unownedExecutor`): a membership message is read,
/// handled and answered on one thread, and its timers are that loop's timers, on the node's
/// injected clock.
public distributed actor SWIMMember {
    public typealias ActorSystem = FabricActorSystem

    /// The member's loop, so its messages and timers never hop.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { actorSystem.loopExecutor(for: id) }

    private var core: MembershipCore
    private var downing: DowningShell
    private var random: SeededRandom
    private var timer = DeadlineTimer()
    private var peers: [NodeId: SWIMMember] = [:]
    private var observers: [@Sendable (MembershipEvent) -> Void] = []
    private let loop: EventLoop
    private let dialPolicy: MembershipDialPolicy?
    private let seeds: [NodeAddress]
    private let dialSeeds: @Sendable ([NodeAddress]) -> Void
    private let connectedPeers: @Sendable () -> [(node: NodeId, address: NodeAddress?)]
    private let seedRetryInterval: Duration
    private var seedTimer: TimerHandle?
    private var sendFailures: UInt64 = 0
    private var stopped = false
    private let health: HealthMonitor?

    /// Makes the member of this node (`FabricNode` does, once). While it knows no other member
    /// it dials `seeds` again every `seedRetryInterval` through `dialSeeds` (a seed that was
    /// not up yet when this node started is joined once it is).
    package init(
        actorSystem: FabricActorSystem, node: NodeId, address: NodeAddress, cluster: String,
        configuration: MembershipConfiguration, seed: UInt64, dialPolicy: MembershipDialPolicy?,
        seeds: [NodeAddress], dialSeeds: @escaping @Sendable ([NodeAddress]) -> Void,
        connectedPeers: @escaping @Sendable () -> [(node: NodeId, address: NodeAddress?)] = { [] },
        health: HealthMonitor? = nil
    ) {
        self.connectedPeers = connectedPeers
        self.health = health
        self.actorSystem = actorSystem
        let identity = MemberIdentity(node: node, generation: actorSystem.generation, address: address)
        let now = actorSystem.clock.now
        let swim = configuration.swim
        core = MembershipCore(me: identity, cluster: cluster, configuration: swim, now: now)
        downing = DowningShell(configuration: configuration.keepMajority, me: identity.node)
        random = SeededRandom(seed: seed)
        loop = actorSystem.eventLoop(for: ActorID.system("swim", on: identity.node))
        self.dialPolicy = dialPolicy
        self.seeds = seeds
        self.dialSeeds = dialSeeds
        seedRetryInterval = max(swim.probeInterval, Limits.seedRetryIntervalMin)
    }

    /// A membership message from another member (one-way, on the control lane).
    public distributed func receive(_ message: SWIMMessage) {
        guard !stopped else { return }
        let now = loop.now
        carryOut(core.onMessage(message, now: now, random: &random), now: now)
    }

    /// The membership table as this member sees it, for `fabric members` and the admin API.
    public distributed func snapshot() async -> [MemberSnapshot] {
        await tableWithHealth()
    }

    /// How `node` looks from here, or nil when it is not a member.
    package func health(of node: NodeId) async -> MemberHealth? {
        guard let row = await tableWithHealth().first(where: { $0.name == node }), let member = core.member(node) else { return nil }
        let available = await health?.whenLocal { $0.reading(of: node)?.available } ?? nil
        let observation: MembershipObservation
        switch member.status {
        case .alive: observation = .alive
        case .suspect: observation = .suspect
        case .unreachable: observation = .unreachable
        case .down: observation = .down
        case .left: observation = .left
        }
        let localHealth = node == core.me.node
            ? LocalHealth(multiplier: core.localHealth, maximum: core.configuration.awarenessMax) : nil
        let score = HealthScore(of: NodeHealth(membership: observation, phi: row.phi, localHealth: localHealth), now: loop.now)
        return MemberHealth(member: row, isAvailable: available, score: score.value)
    }

    /// The membership table with each member's phi from the heartbeat monitor.
    package func tableWithHealth() async -> [MemberSnapshot] {
        var rows = table()
        guard let health else { return rows }
        let nodes = rows.map(\.name)
        let readings = await health.whenLocal { monitor in nodes.map { monitor.reading(of: $0) } } ?? []
        for index in rows.indices where index < readings.count {
            rows[index].phi = readings[index]?.phi
        }
        return rows
    }

    /// The membership table, locally.
    package func table() -> [MemberSnapshot] {
        core.members.map { MemberSnapshot(member: $0, localHealth: $0.identity.node == core.me.node ? core.localHealth : nil) }
    }

    /// A connection to `node`, which listens at `address`, became ready: unless it is a member
    /// already, synchronise with it (a push-pull join). This is how seeds are joined, and how a
    /// node that dialled this one is taken in at once.
    package func connected(to node: NodeId, address: NodeAddress) {
        guard !stopped, node != core.me.node, core.member(node) == nil else { return }
        let now = loop.now
        carryOut(core.onJoin(seeds: [node: address], now: now), now: now)
    }

    /// Starts the protocol: arms the first timer and the seed retry.
    package func start() {
        publish(MembershipEvent(kind: .joined, member: core.myself), now: loop.now)
        rearm(now: loop.now)
        armSeedRetry()
    }

    private func armSeedRetry() {
        guard !seeds.isEmpty, !stopped else { return }
        seedTimer = loop.scheduleTimer(after: seedRetryInterval) { [weak self] in
            guard let self else { return }
            self.assumeIsolated { member in
                guard !member.stopped else { return }
                if member.core.memberCount <= 1 { member.retrySeeds() }
                member.armSeedRetry()
            }
        }
    }

    /// Leaves gracefully: the core marks this member left and spreads it.
    package func leave() {
        let now = loop.now
        carryOut(core.onLeave(now: now, random: &random), now: now)
    }

    /// Alone in the view: a seed connected already gets the join push-pull again (the first
    /// may have been lost), the others are dialled; this node's own address is skipped (a
    /// shared seed list often names it).
    private func retrySeeds() {
        let connected = connectedPeers()
        var toDial: [NodeAddress] = []
        for seed in seeds where seed != core.me.address {
            if let peer = connected.first(where: { $0.address == seed }) {
                let now = loop.now
                carryOut(core.onJoin(seeds: [peer.node: seed], now: now), now: now)
            } else {
                toDial.append(seed)
            }
        }
        if !toDial.isEmpty { dialSeeds(toDial) }
    }

    /// Stops: no more timers, messages are ignored.
    package func stop() {
        stopped = true
        health?.onLoop { $0.stop() }
        timer.cancel()
        seedTimer?.cancel()
        seedTimer = nil
    }

    /// Runs `body` on the member's loop, in its isolation, without holding the member: a job
    /// still queued when the node stops is dropped with the loop's queue, and the member (with
    /// the actor system it holds) can go. `FabricNode` reaches its member this way rather than
    /// through a task awaiting it, which would keep both alive if the loop stopped first.
    package nonisolated func onLoop(_ body: @escaping @Sendable (isolated SWIMMember) -> Void) {
        actorSystem.eventLoop(for: id).execute { [weak self] in
            guard let self else { return }
            self.assumeIsolated { body($0) }
        }
    }

    /// Calls `observer` with every membership event from now on (on the member's loop).
    package func observe(_ observer: @escaping @Sendable (MembershipEvent) -> Void) {
        observers.append(observer)
    }

    /// How often sending a membership message failed at once (no address, node down, shutdown).
    package var sendFailureCount: UInt64 { sendFailures }

    // MARK: Carrying out directives

    private func carryOut(_ directives: [MembershipDirective], now: Instant) {
        var changed = carryOutWithoutReview(directives, now: now)
        // The resolver looks at the whole view: only when it changed or its window is due, not
        // after every message (a message costs O(updates carried) in the core; this must too).
        if changed || downing.nextDeadline.map({ now >= $0 }) == true {
            changed = reviewDowning(now: now) || changed
        }
        if changed { updateDialPolicy() }
        rearm(now: now)
    }

    /// Tells the transport whom to redial: the members alive or suspect now.
    private func updateDialPolicy() {
        var alive = Set<NodeId>()
        for member in core.members where member.status == .alive || member.status == .suspect {
            alive.insert(member.identity.node)
        }
        dialPolicy?.update(alive: alive)
        alive.remove(core.me.node)
        let watched = alive
        health?.onLoop { $0.watch(watched) }
    }

    private func send(_ message: SWIMMessage, to node: NodeId, address: NodeAddress) {
        actorSystem.learnAddress(address, of: node, generation: 0, from: core.me.node)
        let peer: SWIMMember
        if let known = peers[node] {
            peer = known
        } else {
            do {
                peer = try SWIMMember.resolve(id: ActorID.system("swim", on: node), using: actorSystem)
            } catch {
                sendFailures += 1
                return
            }
            if peers.count < Limits.membershipPeerReferencesMax { peers[node] = peer }
        }
        // One-way on the control lane: the send returns once the frame is queued (or fails at
        // once); SWIM treats a lost message as lost, and its timers do the rest.
        Task {
            do {
                try await withCallOptions(oneWay: true, priority: .control) {
                    try await peer.receive(message)
                }
            } catch {
                self.countSendFailure()
            }
        }
    }

    private func countSendFailure() { sendFailures += 1 }

    private func publish(_ event: MembershipEvent, now: Instant) {
        let member = event.member
        if event.kind == .down, member.identity.node != core.me.node {
            // Declared to the transport a moment later, not now: the core's down notice to
            // that process goes out in this batch's sends, and a node declared down refuses
            // every send to it at once — the notice would never leave.
            let node = member.identity.node, generation = member.identity.generation
            let system = actorSystem
            _ = loop.scheduleTimer(after: Limits.downNoticeLeadTime) { system.declareDown(node, generation: generation) }
        }
        if event.kind != .removed, event.kind != .down, event.kind != .left, member.identity.node != core.me.node {
            actorSystem.learnAddress(member.identity.address, of: member.identity.node,
                                     generation: member.identity.generation, from: core.me.node)
        }
        actorSystem.publishMembershipEvent(ClusterEvent(membership: event))
        for observer in observers { observer(event) }
        if event.kind == .down, member.identity.node == core.me.node, member.identity.generation == core.me.generation {
            // This process was declared down (by the majority, or by itself on the minority
            // side): it takes no further part; a new process, with a new generation, may join.
            actorSystem.log(.warning, "this node (\(core.me.node)) was declared down; membership stops")
            stop()
        }
    }

    // MARK: Downing

    /// Applies the resolver's decisions due now; whether any changed the view.
    private func reviewDowning(now: Instant) -> Bool {
        var changed = false
        for decision in downing.review(core.members, now: now) {
            changed = apply(decision, now: now) || changed
        }
        return changed
    }

    private func apply(_ decision: DowningShell.Decision, now: Instant) -> Bool {
        switch decision {
        case .down(let node, let generation):
            actorSystem.log(.warning, "downing \(node) (generation \(String(generation, radix: 16))): \(downing.reason)")
            return carryOutWithoutReview(core.onDown(node, generation: generation, now: now), now: now)
        case .downSelf(let reason):
            actorSystem.log(.warning, "downing myself (\(core.me.node)): \(reason)")
            return carryOutWithoutReview(core.onDown(core.me.node, generation: core.me.generation, now: now), now: now)
        }
    }

    /// Carries out `directives`; whether any was an event (the view changed).
    @discardableResult
    private func carryOutWithoutReview(_ directives: [MembershipDirective], now: Instant) -> Bool {
        var changed = false
        for directive in directives {
            switch directive {
            case .send(let message, let node, let address):
                send(message, to: node, address: address)
            case .event(let event):
                changed = true
                publish(event, now: now)
            }
        }
        return changed
    }

    // MARK: Timers

    private func rearm(now: Instant) {
        guard !stopped else { return }
        let next = [core.nextDeadline, downing.nextDeadline].compactMap { $0 }.min()
        timer.aim(at: next, on: loop) { [weak self] in
            guard let self else { return }
            self.assumeIsolated { member in member.timerFired() }
        }
    }

    private func timerFired() {
        timer.fired()
        guard !stopped else { return }
        let now = loop.now
        carryOut(core.onTimer(now: now, random: &random), now: now)
    }
}
