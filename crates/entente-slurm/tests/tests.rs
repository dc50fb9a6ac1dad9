mod shards;
