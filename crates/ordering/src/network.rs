//! Transport between orderers.
//!
//! The embedded single-orderer network has no peers to reach, so every remote call fails as
//! unreachable. A multi-orderer cluster replaces this factory with one that speaks to the other
//! orderers; the rest of the ordering code is the same for one node or five.

use openraft::error::{InstallSnapshotError, RPCError, RaftError, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;

use crate::types::{NodeId, TypeConfig};

/// Builds connections to other orderers.
#[derive(Clone, Default)]
pub struct SoloNetwork;

/// A connection to an orderer that a solo network cannot reach.
pub struct Unconnected {
    target: NodeId,
}

#[derive(Debug, thiserror::Error)]
#[error("orderer {0} is not reachable: this node runs a single-orderer network")]
struct NoPeers(NodeId);

impl Unconnected {
    fn unreachable<E: std::error::Error>(&self) -> RPCError<NodeId, BasicNode, E> {
        RPCError::Unreachable(Unreachable::new(&NoPeers(self.target)))
    }
}

impl RaftNetworkFactory<TypeConfig> for SoloNetwork {
    type Network = Unconnected;

    async fn new_client(&mut self, target: NodeId, _node: &BasicNode) -> Self::Network {
        Unconnected { target }
    }
}

impl RaftNetwork<TypeConfig> for Unconnected {
    async fn append_entries(
        &mut self,
        _rpc: AppendEntriesRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        Err(self.unreachable())
    }

    async fn install_snapshot(
        &mut self,
        _rpc: InstallSnapshotRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, BasicNode, RaftError<NodeId, InstallSnapshotError>>,
    > {
        Err(self.unreachable())
    }

    async fn vote(
        &mut self,
        _rpc: VoteRequest<NodeId>,
        _option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        Err(self.unreachable())
    }
}
