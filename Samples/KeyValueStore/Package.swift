// swift-tools-version:6.0
// A small application built on Fabric from the outside: it depends on Fabric by path and uses
// only its public products.
import PackageDescription

let package = Package(
    name: "KeyValueStore",
    dependencies: [.package(name: "Fabric", path: "../..")],
    targets: [
        .target(name: "KeyValueStore", dependencies: [.product(name: "Fabric", package: "Fabric")]),
        .executableTarget(
            name: "kv-node",
            dependencies: ["KeyValueStore", .product(name: "Fabric", package: "Fabric")]
        ),
        .testTarget(
            name: "KeyValueStoreTests",
            dependencies: [
                "KeyValueStore", .product(name: "Fabric", package: "Fabric"),
                .product(name: "FabricTestKit", package: "Fabric"),
            ]
        ),
    ]
)
