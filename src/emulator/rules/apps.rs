//! Apps: CreateLiveMessageApp, DescribeLiveMessageApp, ListLiveMessageApps,
//! ModifyLiveMessageAppAudit, ModifyLiveMessageAppCallback, ModifyLiveMessageAppDisable.
