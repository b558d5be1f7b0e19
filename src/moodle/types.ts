/** A Moodle user as `core_user_get_users_by_field` returns it (fields we use). */
export interface MoodleUser {
  id: number
  username?: string
  email?: string
  idnumber?: string
  fullname?: string
}

/** `core_webservice_get_site_info`, the parts the action uses. */
export interface SiteInfo {
  sitename: string
  siteurl: string
  userid: number
  username: string
  fullname?: string
  release?: string
  version?: string
  functions: { name: string; version?: string }[]
}
