//! RDS: the DB instance named in the config.

use aws_sdk_rds::Client;

use super::{sdk_error, AreaError, DbInstance, RdsFacts};

/// Gathers the DB instance `identifier` (absent is a fact, not an error).
pub(super) async fn gather(client: &Client, identifier: &str) -> Result<RdsFacts, AreaError> {
    let out = match client
        .describe_db_instances()
        .db_instance_identifier(identifier)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_instance_not_found_fault()) =>
        {
            return Ok(RdsFacts { instance: None });
        }
        Err(e) => return Err(sdk_error("rds:DescribeDBInstances", e)),
    };
    let instance = out.db_instances().first().map(|db| DbInstance {
        identifier: db
            .db_instance_identifier()
            .unwrap_or(identifier)
            .to_string(),
        publicly_accessible: db.publicly_accessible().unwrap_or(false),
        storage_encrypted: db.storage_encrypted().unwrap_or(false),
        subnet_ids: db
            .db_subnet_group()
            .map(|g| {
                g.subnets()
                    .iter()
                    .filter_map(|s| s.subnet_identifier().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
    });
    Ok(RdsFacts { instance })
}
