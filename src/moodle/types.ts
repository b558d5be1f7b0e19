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

/** A level of a course's Level Up XP, as XP+'s read functions return it. */
export interface XpLevel {
  level: number
  xprequired: number
  /** Null when the teacher gave the level no name. */
  name: string | null
}

/** `local_xp_get_user_state`: a user's points and level in a course. */
export interface XpUserState {
  id: number
  xp: number
  level: XpLevel
  /** Points earned since the level was reached, and the points this level spans. */
  xpinlevel: number
  totalxpinlevel: number
}

/** `local_xp_get_levels_info`: the levels of a course. */
export interface XpLevelsInfo {
  count: number
  levels: XpLevel[]
}
