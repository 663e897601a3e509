-- The share rules count the accounts a directory or folder principal reaches (the 64-account limit of a
-- backup set): the facts query (db::shares, CONTEXT_SQL) walks down from the folder, or the directory's
-- root folder, through its sub-folders. Without this index each step of that walk reads every folder.
create index rd_folder_parent on rd_folder (parent_folder_id);
