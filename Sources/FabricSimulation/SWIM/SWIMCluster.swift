import FabricCore
import MembershipCore

/// Builds a simulation of SWIM members: names `m0`, `m1`, …, one address each, the first few as
/// seeds that everyone joins through at start.
public enum SWIMCluster {
    /// The cluster name every simulated member carries.
    public static let name = "fabric-sim"

    /// The name of the member at `index`.
    public static func member(_ index: Int) -> NodeId { NodeId(uncheckedValid: "m\(index)") }

    /// `count` member names from `m0`.
    public static func members(_ count: Int) -> [NodeId] { (0..<max(0, count)).map(member) }

    /// A distinct address for the member at `index` (10.x.y.z:7946).
    public static func address(_ index: Int) -> NodeAddress {
        NodeAddress(uncheckedHost: "10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)", port: 7946)
    }

    /// The identity of the member at `index` in its `generation`-th life (the simulator's
    /// generation is the member's: 0, then one more at each restart).
    public static func identity(_ index: Int, generation: Int) -> MemberIdentity {
        MemberIdentity(node: member(index), generation: UInt64(generation), address: address(index))
    }

    /// A run of `members` members with `configuration`, joining through the first `seeds` of
    /// them; a member added later (`Simulation.addNode` with the name `member(index)` for the
    /// next index) joins through the first seed alone (so its join is one update with one
    /// origin, for the dissemination figure), and `leaves` plans graceful leaves.
    public static func simulation(
        seed: UInt64, members: Int, configuration: SWIMConfiguration, seeds seedCount: Int = 3,
        simulation simulationConfiguration: SimulationConfiguration = SimulationConfiguration(),
        leaves: [NodeId: Instant] = [:]
    ) -> Simulation<SWIMSimulatedNode> {
        precondition(members >= 1, "a SWIM simulation needs a member, not \(members)")
        var seeds: [NodeId: NodeAddress] = [:]
        for index in 0..<min(max(1, seedCount), members) { seeds[member(index)] = address(index) }
        let firstSeed = [member(0): address(0)]
        return Simulation(seed: seed, nodes: self.members(members), configuration: simulationConfiguration) { context in
            SWIMSimulatedNode(
                identity: identity(context.index, generation: context.generation), cluster: name,
                configuration: configuration, seeds: context.index < members ? seeds : firstSeed,
                leaveAt: leaves[context.id])
        }
    }

    /// Adds the standing invariants: no false declaration (excuse window from `bounds`),
    /// incarnations grow (scanned every `scanEvery`), dead members detected, convergence at `finish()`.
    public static func addInvariants(
        to simulation: Simulation<SWIMSimulatedNode>, bounds: SWIMBounds, scanEvery: Duration = .seconds(1),
        falseDeclarations: Bool = true
    ) {
        if falseDeclarations {
            simulation.add(SWIMNoFalseDeclaration(window: bounds.excuseWindow, origin: simulation.configuration.origin))
        }
        simulation.add(SWIMIncarnationsGrow(scanEvery: scanEvery))
        simulation.add(SWIMDeadMemberDetected(bound: bounds.detectionBound, checkEvery: scanEvery))
        simulation.add(SWIMMembershipConverges())
    }
}
