//! IAM: the app instance's profile -> role -> attached and inline policy documents.

use aws_sdk_iam::Client;

use super::{sdk_error, AllPages, AreaError, Ec2Facts, IamFacts};

/// Gathers the policies of the app instance's role (the instance comes from the EC2 facts).
pub(super) async fn gather(client: &Client, ec2: &Ec2Facts) -> Result<IamFacts, AreaError> {
    let mut apps: Vec<_> = ec2
        .instances
        .iter()
        .filter(|i| i.tags.get("Role").map(String::as_str) == Some("app"))
        .collect();
    // A running app instance is the one that matters when a replacement is on its way.
    apps.sort_by_key(|i| i.state != "running");
    let Some(app) = apps.first() else {
        return Ok(IamFacts::default());
    };
    let mut facts = IamFacts {
        app_instance_id: Some(app.id.clone()),
        instance_profile_arn: app.instance_profile_arn.clone(),
        ..IamFacts::default()
    };
    let Some(arn) = &app.instance_profile_arn else {
        return Ok(facts);
    };
    // arn:aws:iam::ACCOUNT:instance-profile[/path]/NAME
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let profile = client
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(|e| sdk_error("iam:GetInstanceProfile", e))?;
    let Some(role) = profile
        .instance_profile()
        .and_then(|p| p.roles().first())
        .map(|r| r.role_name().to_string())
    else {
        return Ok(facts);
    };
    let attached = async {
        let attached = client
            .list_attached_role_policies()
            .role_name(&role)
            .into_paginator()
            .items()
            .send()
            .all("iam:ListAttachedRolePolicies")
            .await?;
        let mut docs = Vec::new();
        for policy in &attached {
            let Some(policy_arn) = policy.policy_arn() else {
                continue;
            };
            let meta = client
                .get_policy()
                .policy_arn(policy_arn)
                .send()
                .await
                .map_err(|e| sdk_error("iam:GetPolicy", e))?;
            let Some(version) = meta.policy().and_then(|p| p.default_version_id()) else {
                continue;
            };
            let version = client
                .get_policy_version()
                .policy_arn(policy_arn)
                .version_id(version)
                .send()
                .await
                .map_err(|e| sdk_error("iam:GetPolicyVersion", e))?;
            if let Some(doc) = version.policy_version().and_then(|v| v.document()) {
                docs.push((policy_arn.to_string(), doc.to_string()));
            }
        }
        Ok::<_, AreaError>(docs)
    };
    let inline = async {
        let names = client
            .list_role_policies()
            .role_name(&role)
            .into_paginator()
            .items()
            .send()
            .all("iam:ListRolePolicies")
            .await?;
        let mut docs = Vec::new();
        for name in names {
            let out = client
                .get_role_policy()
                .role_name(&role)
                .policy_name(&name)
                .send()
                .await
                .map_err(|e| sdk_error("iam:GetRolePolicy", e))?;
            docs.push((
                format!("{role}/{name} (inline)"),
                out.policy_document().to_string(),
            ));
        }
        Ok::<_, AreaError>(docs)
    };
    let (attached, inline) = tokio::try_join!(attached, inline)?;
    facts.role_name = Some(role);
    facts.policies = attached.into_iter().chain(inline).collect();
    Ok(facts)
}
