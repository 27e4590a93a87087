//! Mutes: BanLiveMessageGroup, UnbanLiveMessageGroup, AddLiveMessageGroupBand,
//! RemoveLiveMessageGroupBand, ModifyLiveMessageGroupBand, DescribeLiveMessageGroupBand.
