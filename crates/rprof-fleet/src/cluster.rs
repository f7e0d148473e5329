//! Ballista: the same queries on a cluster (feature `ballista`).
//!
//! [`connect`] makes a session whose queries the scheduler at `HOST:PORT`
//! plans and its executors run; the tables are registered by path, so the
//! executors must see the dataset at the same path. [`LocalCluster`]
//! starts a scheduler and executors in this process on the loopback
//! interface, with rprof's SQL functions registered on every node (stock
//! Ballista executors run everything but those functions).

use crate::error::FleetError;
use datafusion::prelude::SessionContext;

/// A session on the Ballista scheduler at `address` (`HOST:PORT`).
#[cfg(feature = "ballista")]
pub(crate) async fn connect(address: &str) -> Result<SessionContext, FleetError> {
    use ballista::prelude::SessionContextExt;
    let state = session_state();
    SessionContext::remote_with_state(&format!("df://{address}"), state)
        .await
        .map_err(|e| FleetError::Cluster {
            address: address.to_string(),
            reason: e.to_string(),
        })
}

/// Without Ballista compiled in, `--cluster` says so.
#[cfg(not(feature = "ballista"))]
pub(crate) async fn connect(address: &str) -> Result<SessionContext, FleetError> {
    Err(FleetError::Cluster {
        address: address.to_string(),
        reason: "this build has no Ballista support (build with the `fleet-ballista` feature)"
            .into(),
    })
}

/// A DataFusion session state with rprof's functions.
#[cfg(feature = "ballista")]
fn session_state() -> datafusion::execution::SessionState {
    use datafusion::execution::SessionStateBuilder;
    let mut builder = SessionStateBuilder::new().with_default_features();
    let mut functions = builder.scalar_functions().take().unwrap_or_default();
    functions.extend(crate::udf::functions().into_iter().map(std::sync::Arc::new));
    builder = builder.with_scalar_functions(functions);
    builder.build()
}

/// A scheduler and executors running in this process on loopback, for
/// tests and for trying the cluster path on one machine. They stop when
/// this value is dropped.
#[cfg(feature = "ballista")]
pub struct LocalCluster {
    /// `HOST:PORT` of the scheduler, for [`crate::OpenOptions::cluster`].
    pub address: String,
    rt: Option<tokio::runtime::Runtime>,
}

#[cfg(feature = "ballista")]
impl LocalCluster {
    /// Starts a scheduler and `executors` executors with `vcores` task
    /// slots each, and waits (at most 10 s) until they have registered.
    pub fn start(executors: usize, vcores: usize) -> Result<LocalCluster, FleetError> {
        use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(FleetError::Runtime)?;
        let fail = |reason: String| FleetError::Cluster {
            address: "localhost (in-process)".into(),
            reason,
        };
        let state = session_state();
        let address = rt.block_on(async {
            let addr = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state)
                .await
                .map_err(|e| fail(format!("starting the scheduler: {e}")))?;
            // The scheduler listens on `localhost` (loopback), as Ballista binds it.
            let url = format!("http://localhost:{}", addr.port());
            // Bounded: 100 tries, 100 ms apart.
            let mut client = None;
            for _ in 0..100 {
                match SchedulerGrpcClient::connect(url.clone()).await {
                    Ok(c) => {
                        client = Some(c);
                        break;
                    }
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                }
            }
            let client = client.ok_or_else(|| fail(format!("no scheduler answering at {url}")))?;
            for _ in 0..executors {
                ballista_executor::new_standalone_executor_from_state(
                    client.clone(),
                    vcores,
                    &state,
                )
                .await
                .map_err(|e| fail(format!("starting an executor: {e}")))?;
            }
            Ok::<_, FleetError>(format!("localhost:{}", addr.port()))
        })?;
        Ok(LocalCluster {
            address,
            rt: Some(rt),
        })
    }
}

#[cfg(feature = "ballista")]
impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}
