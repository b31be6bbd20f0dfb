// swift-tools-version:6.0
// Fabric: distributed actors across processes and hosts, with no Swift package dependencies.
// The only outside code is the toolchain and two system libraries (zstd, OpenSSL); a test in
// FabricTests reads this file and keeps it that way (DESIGN.md §1, §3).
import PackageDescription

let package = Package(
    name: "Fabric",
    products: [
        .library(name: "Fabric", targets: ["Fabric"]),
        .library(name: "FabricTestKit", targets: ["FabricTestKit"]),
        .executable(name: "fabric", targets: ["fabric"]),
    ],
    targets: [
        // System libraries and tiny C wrappers.
        .systemLibrary(
            name: "CFabricZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CFabricOpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "CFabricShims"),

        // Pure modules: no sockets, clocks, tasks or global randomness.
        .target(name: "FabricCore"),
        .target(name: "FabricWire", dependencies: ["FabricCore", "CFabricZstd"]),
        .target(name: "MembershipCore", dependencies: ["FabricCore"]),
        .target(name: "HealthCore", dependencies: ["FabricCore"]),
        .target(name: "RaftCore", dependencies: ["FabricCore"]),

        // The deterministic simulator: many nodes' cores on a simulated clock and network
        // (never the reactor).
        .target(
            name: "FabricSimulation",
            dependencies: ["FabricCore", "MembershipCore", "HealthCore", "RaftCore"]
        ),

        // Edge: the OS.
        .target(name: "FabricReactor", dependencies: ["FabricCore", "CFabricShims"]),
        .target(
            name: "FabricTransport",
            dependencies: ["FabricCore", "FabricWire", "FabricReactor"]
        ),

        // The actor system, the facade, the test kit and the CLI.
        .target(
            name: "FabricActorSystem",
            dependencies: ["FabricCore", "FabricWire", "FabricReactor", "FabricTransport"]
        ),
        .target(
            name: "Fabric",
            dependencies: ["FabricCore", "FabricActorSystem", "FabricMembership", "FabricTransport", "FabricReactor"]
        ),
        // Membership's shells: the SWIM member actor, downing, cluster events.
        .target(
            name: "FabricMembership",
            dependencies: [
                "FabricCore", "MembershipCore", "HealthCore", "FabricActorSystem", "FabricTransport", "FabricReactor",
                "FabricWire",
            ]
        ),
        // Raft's shell and edge: the Raft node actor, the write-ahead log, snapshots on disk.
        .target(
            name: "FabricConsensus",
            dependencies: ["FabricCore", "RaftCore", "FabricWire", "FabricActorSystem"]
        ),
        .target(name: "FabricTestKit", dependencies: ["Fabric"]),
        .executableTarget(
            name: "fabric", dependencies: ["Fabric", "FabricTestKit", "FabricWire", "FabricSimulation", "MembershipCore"]),

        .testTarget(name: "FabricCoreTests", dependencies: ["FabricCore"]),
        .testTarget(name: "FabricWireTests", dependencies: ["FabricWire", "FabricCore"]),
        .testTarget(
            name: "MembershipCoreTests",
            dependencies: ["MembershipCore", "FabricCore"],
            resources: [.copy("testdata")]
        ),
        .testTarget(name: "HealthCoreTests", dependencies: ["HealthCore", "FabricCore"]),
        .testTarget(
            name: "RaftCoreTests",
            dependencies: ["RaftCore", "FabricCore"],
            resources: [.copy("testdata")]
        ),
        .testTarget(
            name: "FabricSimulationTests",
            dependencies: ["FabricSimulation", "MembershipCore", "HealthCore", "RaftCore", "FabricCore"]
        ),
        .testTarget(name: "FabricReactorTests", dependencies: ["FabricReactor"]),
        .testTarget(
            name: "FabricTransportTests",
            dependencies: ["FabricTransport", "FabricReactor", "FabricWire"]
        ),
        .testTarget(
            name: "FabricActorSystemTests",
            dependencies: ["FabricActorSystem", "Fabric", "FabricTestKit"]
        ),
        .testTarget(name: "FabricTestKitTests", dependencies: ["FabricTestKit"]),
        .testTarget(name: "FabricConsensusTests", dependencies: ["FabricConsensus", "FabricCore"]),
        .testTarget(
            name: "FabricTests",
            dependencies: ["Fabric", "FabricTestKit", "FabricWire"],
            exclude: []
        ),
    ]
)
